/** One commit's service files as one validated revision, read without a checkout (`mcp plan`, the git source). */
import type { LoadResult, SourceFile, SpecError } from '../../domain/spec-error.js';
import { admitRevision, type LoadOptions, noDirectoryWarning, withWarnings } from '../../validate/load.js';
import { sourceFile } from '../../validate/source-file.js';
import { readNodeFilesAtRef } from './read-nodes.js';
import { type FileAtRef, type FileFault, readFilesAtRef, readSecretsAtRef } from './read-tree.js';

/** Decoded files, and an error for each that could not be read or decoded. */
const decode = (
  files: FileAtRef[],
  faults: FileFault[],
): { readable: SourceFile[]; unreadable: SpecError[] } => {
  const decoded = files.map((f) => sourceFile(f.path, f.bytes));
  return {
    readable: decoded.filter((d): d is SourceFile => 'text' in d),
    unreadable: [
      ...faults.map((f) => ({
        file: f.path,
        path: '',
        message: f.message,
        ...(f.hint !== undefined && { hint: f.hint }),
      })),
      ...decoded.filter((d): d is SpecError => 'message' in d),
    ],
  };
};

/** Loads `subdir` of a git repository at `ref`, admitted by `opts.admit` when given; the commit is the full id. */
export async function loadRevisionFromGit(
  repoDir: string,
  ref: string,
  subdir = 'services',
  opts: LoadOptions = {},
): Promise<LoadResult> {
  const { commit, files, faults, missing } = await readFilesAtRef(repoDir, ref, subdir);
  const services = decode(files, faults);
  const nodeFiles = await readNodeFilesAtRef(repoDir, commit, subdir);
  const nodes = decode(nodeFiles.files, nodeFiles.faults);
  const unreadable = [...services.unreadable, ...nodes.unreadable];
  const secrets = await readSecretsAtRef(repoDir, commit, subdir);
  const result = await admitRevision(services.readable, commit, unreadable, opts, secrets, {
    nodes: nodes.readable,
  });
  const dir = subdir.replace(/^\/+|\/+$/g, '');
  return withWarnings(result, missing ? [noDirectoryWarning(dir, `at ${ref} (${commit.slice(0, 7)})`)] : []);
}
