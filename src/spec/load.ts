/**
 * Loading one revision of the services repository: TOML -> ajv -> semantic checks -> domain
 * specs. Every error of the revision is collected and located, a file that cannot be read
 * among them; nothing here throws for bad input, only for a source that cannot be read at
 * all (McpError NOT_FOUND). Parsed values are shared with the parse cache and only read.
 */
import { McpError } from '../domain/errors.js';
import { normaliseRevision } from '../domain/normalise.js';
import type { Revision } from '../domain/spec.js';
import { checkRevision } from './check-revision.js';
import { checkService } from './check-service.js';
import { fileTooLarge, REVISION_LIMIT_BYTES, revisionTooLarge, tooDeep } from './limits.js';
import { locator } from './locate.js';
import { parseTomlShared } from './parse.js';
import { readServiceFiles, sourceFile } from './read-dir.js';
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
const withWarnings = (result: LoadResult, warnings: string[]): LoadResult =>
  result.ok && warnings.length ? { ...result, warnings } : result;

/** The warning for a revision that has no services directory at all. */
export const noDirectoryWarning = (dir: string, where: string): string =>
  `no ${dir}/ directory ${where}: the revision has zero services`;

/**
 * A check of the whole valid revision that needs more than its files, such as the node's
 * admission policy with paths resolved on the node; its errors make the revision invalid.
 */
export type Admit = (files: readonly LoadedFile[]) => Promise<SpecError[]>;

/** How a revision is loaded beyond the format's own checks. */
export interface LoadOptions {
  admit?: Admit;
}

const byPosition = (a: SpecError, b: SpecError): number =>
  (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) ||
  (a.line ?? 0) - (b.line ?? 0) ||
  (a.column ?? 0) - (b.column ?? 0);

const nameOf = (path: string): string => path.slice(path.lastIndexOf('/') + 1).replace(/\.toml$/, '');

/** The pure core: validates and normalises the given service files as one revision. */
export function loadRevisionFromFiles(files: SourceFile[], commit?: string): LoadResult {
  return result(check(files, []), commit);
}

/** Loads DIR/services/*.toml, or DIR/*.toml when DIR has no services/ directory. */
export async function loadRevisionFromDir(dir: string, opts: LoadOptions = {}): Promise<LoadResult> {
  const { files, errors, missing } = await readServiceFiles(dir);
  const result = await admitted(check(files, errors), opts, undefined);
  return withWarnings(result, missing ? [noDirectoryWarning('services', `in ${dir}`)] : []);
}

interface Checked {
  errors: SpecError[];
  loaded: LoadedFile[];
}

/** Size and nesting limits of one file, before its text reaches the parser. */
const limitsOf = (path: string, text: string): SpecError | undefined =>
  fileTooLarge(path, Buffer.byteLength(text)) ?? tooDeep(path, text);

/** `unreadable`: an error for each file of the revision that could not be read at all. */
function check(files: SourceFile[], unreadable: SpecError[]): Checked {
  const errors: SpecError[] = [...unreadable];
  const loaded: LoadedFile[] = [];
  const known = new Set(unreadable.map((e) => nameOf(e.file)));
  const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : 1));
  let total = 0;
  for (const { path, text } of sorted) {
    total += Buffer.byteLength(text);
    // A revision over the limit is not parsed at all: its size alone rejects it.
    if (total > REVISION_LIMIT_BYTES) return { errors: [...errors, revisionTooLarge(path, total)], loaded };
  }
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
  return { errors, loaded };
}

const result = ({ errors, loaded }: Checked, commit: string | undefined): LoadResult =>
  errors.length > 0
    ? { ok: false, errors: errors.sort(byPosition) }
    : { ok: true, revision: normaliseRevision(loaded, commit) };

/** The revision after `opts.admit`, which sees only a revision valid in itself. */
async function admitted(
  checked: Checked,
  opts: LoadOptions,
  commit: string | undefined,
): Promise<LoadResult> {
  if (checked.errors.length === 0 && opts.admit) checked.errors.push(...(await opts.admit(checked.loaded)));
  return result(checked, commit);
}

/** Loads `subdir` of a git repository at `ref` without checking it out; commit is the full id. */
export async function loadRevisionFromGit(
  repoDir: string,
  ref: string,
  subdir = 'services',
  opts: LoadOptions = {},
): Promise<LoadResult> {
  const { readFilesAtRef } = await import('../adapters/git/read-tree.js');
  const { commit, files, faults, missing } = await readFilesAtRef(repoDir, ref, subdir);
  const decoded = files.map((f) => sourceFile(f.path, f.bytes));
  const unreadable: SpecError[] = [
    ...faults.map((f) => ({
      file: f.path,
      path: '',
      message: f.message,
      ...(f.hint !== undefined && { hint: f.hint }),
    })),
    ...decoded.filter((d): d is SpecError => 'message' in d),
  ];
  const result = await admitted(
    check(
      decoded.filter((d): d is SourceFile => 'text' in d),
      unreadable,
    ),
    opts,
    commit,
  );
  const dir = subdir.replace(/^\/+|\/+$/g, '');
  return withWarnings(result, missing ? [noDirectoryWarning(dir, `at ${ref} (${commit.slice(0, 7)})`)] : []);
}

/** `services/foo.toml:12:3 components[0].ports[1]: message; hint`, the one-line form. */
export const formatSpecError = (e: SpecError): string => {
  const where = e.file + (e.line ? `:${e.line}` : '') + (e.line && e.column ? `:${e.column}` : '');
  const what = e.path === '' ? `: ${e.message}` : ` ${e.path}: ${e.message}`;
  return where + what + (e.hint ? `; hint: ${e.hint}` : '');
};

/** The McpError an invalid revision becomes where errors are thrown (agent, plan). */
export const invalidSpecError = (errors: SpecError[]): McpError =>
  new McpError('INVALID_SPEC', `invalid revision: ${errors.length} error${errors.length === 1 ? '' : 's'}`, {
    errors,
  });

/** Loads revisions from a directory or a git commit; the agent's may work off the main thread. */
export interface RevisionLoader {
  fromDir(dir: string): Promise<LoadResult>;
  fromGit(repoDir: string, ref: string, subdir?: string): Promise<LoadResult>;
}

/** The loader that works in this thread (the CLI, tests). */
export const inProcessLoader = (opts: LoadOptions = {}): RevisionLoader => ({
  fromDir: (dir) => loadRevisionFromDir(dir, opts),
  fromGit: (repoDir, ref, subdir) => loadRevisionFromGit(repoDir, ref, subdir, opts),
});
