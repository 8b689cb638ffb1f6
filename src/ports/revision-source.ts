/**
 * Where the desired state comes from: a git remote or a local directory. A source that
 * cannot be reached throws McpError SOURCE_UNAVAILABLE; it never returns an empty revision.
 */
import type { Revision } from '../domain/spec.js';
import type { SpecError } from '../spec/types.js';

export type FetchResult =
  | { ok: true; revision: Revision; warnings?: string[] }
  | { ok: false; commit?: string; errors: SpecError[] };

export interface RevisionSource {
  /** A short name for logs, e.g. the URL or the directory. */
  readonly description: string;
  fetch(): Promise<FetchResult>;
}
