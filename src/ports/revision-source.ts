/**
 * Where the desired state comes from: a git remote or a local directory. A source that
 * cannot be reached throws McpError SOURCE_UNAVAILABLE; it never returns an empty revision.
 */
import type { Revision } from '../domain/spec.js';
import type { SpecError } from '../domain/spec-error.js';

export type FetchResult =
  | { ok: true; revision: Revision; warnings?: string[] }
  | { ok: false; commit?: string; errors: SpecError[] };

export interface RevisionSource {
  /** A short name for logs, e.g. the URL or the directory. */
  readonly description: string;
  fetch(): Promise<FetchResult>;
  /**
   * A source that can tell its own changes (a local directory) watches itself: `onChange`
   * hears each changed path, and while the watch is live a fetch trusts it instead of looking
   * again, for at most `recheckMs`. Resolves once the watch is live; `close` ends it.
   */
  watch?(opts: SourceWatch): Promise<{ close(): Promise<void> }>;
}

export interface SourceWatch {
  onChange: (path: string) => void;
  /** Paths the watch does not report (the agent's own state directory inside the source). */
  ignored: (path: string) => boolean;
  /** How long a quiet watch is trusted before a fetch looks at every file again. */
  recheckMs: number;
}
