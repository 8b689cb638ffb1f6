/**
 * Loads revisions from a directory or a git commit: read, validate, admit. The agent's works
 * in a worker thread for a git commit or a large directory (a large revision must not stall the
 * API); the CLI's and tests' in process.
 */
import type { LoadResult } from '../domain/spec-error.js';

export interface RevisionLoader {
  fromDir(dir: string): Promise<LoadResult>;
  fromGit(repoDir: string, ref: string, subdir?: string): Promise<LoadResult>;
  /**
   * A load is likely soon (a push announced, a source file changed): get ready now, so the
   * load does not wait for it. The agent's loader thread boots (some 100 ms here) meanwhile,
   * unless the load will not need it (a small directory).
   */
  warm?(): void;
}
