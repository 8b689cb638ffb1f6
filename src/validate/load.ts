/**
 * Validating one revision of the services repository: files -> TOML -> ajv -> semantic checks
 * -> normalised domain specs. Pure: reading the files is the sources' job (adapters/dir,
 * adapters/git). Every error of the revision is collected and located; nothing here throws
 * for bad input. Parsed values are shared with the parse cache and only read.
 */
import { NO_SECRETS, type RepoSecrets } from '../domain/secrets.js';
import type { LoadResult } from '../domain/spec-error.js';
import { checkRevision } from './check-revision.js';
import { checkService } from './check-service.js';
import { fileTooLarge, REVISION_LIMIT_BYTES, revisionTooLarge, tooDeep } from './limits.js';
import { locator } from './locate.js';
import { nodeCopies } from './node-copies.js';
import { parseNodeFiles, type VarsView } from './node-vars.js';
import { normaliseRevision } from './normalise.js';
import { parseTomlShared } from './parse.js';
import { validateServiceFile } from './schema.js';
import { checkSecrets } from './secrets.js';
import type { LoadedFile, SourceFile, SpecError, UncheckedFile } from './types.js';

export type { LoadResult } from '../domain/spec-error.js';
export type { SourceFile, SpecError } from './types.js';

/**
 * The one rule for a revision without service files: valid, with zero services (the agent's
 * mass-removal guard then decides); without the directory at all, the same with a warning.
 */
export const withWarnings = (result: LoadResult, warnings: string[]): LoadResult =>
  result.ok && warnings.length ? { ...result, warnings } : result;

/** The warning for a revision that has no services directory at all. */
export const noDirectoryWarning = (dir: string, where: string): string =>
  `no ${dir}/ directory ${where}: the revision has zero services`;

/**
 * A check of the whole valid revision that needs more than its files, such as the node's
 * admission policy with paths resolved on the node; its errors make the revision invalid.
 */
export type Admit = (files: readonly LoadedFile[]) => Promise<SpecError[]>;

/**
 * How a revision is loaded beyond the format's own checks. `view`: the node's agent doing the
 * loading, with its own variables; without it (the CLI) only the repository's are known.
 */
export interface LoadOptions {
  admit?: Admit;
  view?: VarsView;
}

/** Files of the revision besides the service files: `nodes/<node>.toml`, read by the source. */
export interface RevisionExtras {
  nodes?: readonly SourceFile[];
}

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
  secrets: RepoSecrets = NO_SECRETS,
  extras: RevisionExtras = {},
  view?: VarsView,
): LoadResult {
  return result(check(files, unreadable, secrets, extras, view), commit, secrets);
}

/** The same, then `opts.admit` on a revision valid in itself (the agent's admission policy). */
export async function admitRevision(
  files: readonly SourceFile[],
  commit: string | undefined,
  unreadable: readonly SpecError[],
  opts: LoadOptions,
  secrets: RepoSecrets = NO_SECRETS,
  extras: RevisionExtras = {},
): Promise<LoadResult> {
  const checked = check(files, unreadable, secrets, extras, opts.view);
  if (checked.errors.length === 0 && opts.admit) checked.errors.push(...(await opts.admit(checked.loaded)));
  return result(checked, commit, secrets);
}

interface Checked {
  errors: SpecError[];
  loaded: LoadedFile[];
  unchecked: UncheckedFile[];
}

/** True when `path` is one of `fields` or inside one. */
const under = (path: string, fields: readonly string[]): boolean =>
  fields.some((f) => path === f || path.startsWith(`${f}.`) || path.startsWith(`${f}[`));

const keyOf = (e: SpecError): string => `${e.file}:${e.line}:${e.column} ${e.path} ${e.message}`;

/** Size and nesting limits of one file, before its text reaches the parser. */
const limitsOf = (path: string, text: string): SpecError | undefined =>
  fileTooLarge(path, Buffer.byteLength(text)) ?? tooDeep(path, text);

function check(
  files: readonly SourceFile[],
  unreadable: readonly SpecError[],
  secrets: RepoSecrets,
  extras: RevisionExtras,
  view: VarsView | undefined,
): Checked {
  const errors: SpecError[] = [...unreadable];
  const loaded: LoadedFile[] = [];
  const unchecked: UncheckedFile[] = [];
  const known = new Set(unreadable.map((e) => nameOf(e.file)));
  const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : 1));
  let total = 0;
  for (const { path, text } of [...sorted, ...(extras.nodes ?? [])]) {
    total += Buffer.byteLength(text);
    // A revision over the limit is not parsed at all: its size alone rejects it.
    if (total > REVISION_LIMIT_BYTES)
      return { errors: [...errors, revisionTooLarge(path, total)], loaded, unchecked };
  }
  const repo = parseNodeFiles(extras.nodes ?? []);
  errors.push(...repo.errors);
  for (const { path, text } of sorted) {
    known.add(nameOf(path));
    const limited = limitsOf(path, text);
    if (limited) {
      errors.push(limited);
      continue;
    }
    const parsed = parseTomlShared(path, text);
    if (!parsed.ok) {
      errors.push(parsed.error);
      continue;
    }
    const at = locator(text);
    const resolved = nodeCopies(path, parsed.value, at, repo.vars, view, !text.includes('${'));
    unchecked.push(...resolved.unchecked);
    const seen = new Set<string>();
    const report = (e: SpecError): void => {
      const key = keyOf(e);
      if (!seen.has(key)) errors.push(e);
      seen.add(key);
    };
    resolved.errors.forEach(report);
    for (const { value, used, broken } of resolved.copies) {
      const valid = validateServiceFile(path, value, at);
      if (!valid.ok) {
        valid.errors.filter((e) => !under(e.path, broken)).forEach(report);
        continue;
      }
      const f: LoadedFile = {
        file: path,
        service: valid.value as LoadedFile['service'],
        at,
        ...(used && used.size > 0 && { vars: used }),
      };
      known.add(f.service.name);
      checkService(f)
        .filter((e) => !under(e.path, broken))
        .forEach(report);
      // a copy with holes where its references failed takes no part in the checks across files
      if (broken.length === 0) loaded.push(f);
    }
  }
  // A file for several nodes is checked once per node: an error of all copies is reported once.
  const seen = new Set(errors.map(keyOf));
  for (const e of [...checkRevision(loaded, known), ...checkSecrets(loaded, secrets)])
    if (!seen.has(keyOf(e))) {
      seen.add(keyOf(e));
      errors.push(e);
    }
  return { errors, loaded, unchecked };
}

const result = (
  { errors, loaded, unchecked }: Checked,
  commit: string | undefined,
  secrets: RepoSecrets,
): LoadResult =>
  errors.length > 0
    ? { ok: false, errors: errors.sort(byPosition) }
    : {
        ok: true,
        revision: normaliseRevision(loaded, commit, secrets),
        ...(unchecked.length > 0 && { unchecked }),
      };
