/**
 * What the validator reads and what it reports: files of one revision, and located problems
 * in them. Defined here, below the validator and the sources, so a source (git, a directory)
 * and the ports speak of them without importing the validator.
 */
import { McpError } from './errors.js';
import type { Revision } from './spec.js';

/** One problem in one file of a revision, located as precisely as the validator can. */
export interface SpecError {
  file: string;
  line?: number;
  column?: number;
  /** Where in the document, e.g. `components[0].ports[1]`; '' for the file as a whole. */
  path: string;
  message: string;
  hint?: string;
  /** The admission rule broken, e.g. `admission.allowed_volume_roots`; absent for format errors. */
  rule?: string;
}

/** One file of the services repository; path relative to the repository root. */
export interface SourceFile {
  path: string;
  text: string;
}

/**
 * A service file that could not be checked for one of its nodes, because it uses variables
 * only that node's agent knows (`mcp validate`, `mcp plan`; an agent, for other nodes' files).
 */
export interface UncheckedFile {
  file: string;
  node: string;
  service: string;
  /** Each reference not known here: `var.NAME`, where it is. */
  vars: { name: string; line: number; column: number; path: string }[];
}

/**
 * A valid revision (with warnings worth a look, e.g. no services/ directory at all), or every
 * error that makes it invalid: what the validator answers, whoever read the files.
 */
export type LoadResult =
  | { ok: true; revision: Revision; warnings?: string[]; unchecked?: UncheckedFile[] }
  | { ok: false; errors: SpecError[] };

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
