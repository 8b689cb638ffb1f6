/**
 * Validating one revision of the services repository: files -> TOML -> ajv -> semantic checks
 * -> normalised domain specs. Pure: reading the files is the sources' job (adapters/dir,
 * adapters/git). Every error of the revision is collected and located; nothing here throws
 * for bad input. Parsed values are shared with the parse cache and only read.
 */
import type { Revision } from '../domain/spec.js';
import { checkRevision } from './check-revision.js';
import { checkService } from './check-service.js';
import { locator } from './locate.js';
import { normaliseRevision } from './normalise.js';
import { parseTomlShared } from './parse.js';
import { validateServiceFile } from './schema.js';
import type { LoadedFile, SourceFile, SpecError } from './types.js';

export type { SourceFile, SpecError } from './types.js';

/**
 * A valid revision (with warnings worth a look, e.g. no services/ directory at all), or every
 * error that makes it invalid.
 */
export type LoadResult =
  | { ok: true; revision: Revision; warnings?: string[] }
  | { ok: false; errors: SpecError[] };

/**
 * The one rule for a revision without service files: valid, with zero services (the agent's
 * mass-removal guard then decides); without the directory at all, the same with a warning.
 */
export const withWarnings = (result: LoadResult, warnings: string[]): LoadResult =>
  result.ok && warnings.length ? { ...result, warnings } : result;

/** The warning for a revision that has no services directory at all. */
export const noDirectoryWarning = (dir: string, where: string): string =>
  `no ${dir}/ directory ${where}: the revision has zero services`;

const byPosition = (a: SpecError, b: SpecError): number =>
  (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) ||
  (a.line ?? 0) - (b.line ?? 0) ||
  (a.column ?? 0) - (b.column ?? 0);

const nameOf = (path: string): string => path.slice(path.lastIndexOf('/') + 1).replace(/\.toml$/, '');

/**
 * Validates and normalises the given service files as one revision. `unreadable`: an error
 * for each file of the revision its source could not read at all (reported with the rest).
 */
export function loadRevisionFromFiles(
  files: readonly SourceFile[],
  commit?: string,
  unreadable: readonly SpecError[] = [],
): LoadResult {
  const errors: SpecError[] = [...unreadable];
  const loaded: LoadedFile[] = [];
  const known = new Set(unreadable.map((e) => nameOf(e.file)));
  for (const { path, text } of [...files].sort((a, b) => (a.path < b.path ? -1 : 1))) {
    known.add(nameOf(path));
    const parsed = parseTomlShared(path, text);
    if (!parsed.ok) {
      errors.push(parsed.error);
      continue;
    }
    const at = locator(text);
    const valid = validateServiceFile(path, parsed.value, at);
    if (!valid.ok) {
      errors.push(...valid.errors);
      continue;
    }
    const f = { file: path, service: valid.value, at };
    known.add(f.service.name);
    loaded.push(f);
    errors.push(...checkService(f));
  }
  errors.push(...checkRevision(loaded, known));
  if (errors.length > 0) return { ok: false, errors: errors.sort(byPosition) };
  return { ok: true, revision: normaliseRevision(loaded, commit) };
}
