/**
 * The running agent loads a large revision in a worker thread (loader-worker.ts): parsing a
 * revision near the size limits takes seconds, and the API must answer meanwhile. The thread
 * is started for a load and ends once no load has come for `idleMs`: a second V8 isolate costs
 * some 10-20 MB resident, and loads are rare (a source loads only when its files or commit
 * changed). One that dies (out of memory on a hostile revision) fails that load as an invalid
 * revision, and the next load gets a new thread. A local directory whose files are small
 * (IN_PROCESS_BYTES) loads in this thread instead: its sizes are known before a byte is read,
 * and parsing it costs less than booting the thread. A git commit always loads in the thread:
 * its files' sizes are known only once inflated. A one-shot `reconcile --once` has no API to
 * keep answering and loads everything in process (inProcessLoader).
 */
import { Worker } from 'node:worker_threads';
import { loadRevisionFromDir } from '../adapters/dir/load.js';
import { revisionBytes } from '../adapters/dir/source.js';
import type { AdmissionPolicy } from '../domain/admission.js';
import { type ErrorCode, McpError } from '../domain/errors.js';
import type { LoadResult } from '../domain/spec-error.js';
import { admitter } from '../policy/admit.js';
import type { RevisionLoader } from '../ports/revision-loader.js';
import type { LoadOptions } from '../validate/load.js';
import type { AgentVars } from '../validate/node-vars.js';

/**
 * The loader that works in this thread (the worker itself, a one-shot, the CLI, tests). The git
 * adapter (isomorphic-git) is loaded at the first load from git: a directory source never needs it.
 */
export const inProcessLoader = (opts: LoadOptions = {}): RevisionLoader => ({
  fromDir: (dir) => loadRevisionFromDir(dir, opts),
  fromGit: async (repoDir, ref, subdir) =>
    (await import('../adapters/git/load.js')).loadRevisionFromGit(repoDir, ref, subdir, opts),
});

/** What the worker needs to admit revisions as this node, and resolve its variables. */
export interface LoaderSettings {
  policy: AdmissionPolicy;
  node: string;
  protectedPaths: string[];
  /** The agent config's [vars]. */
  vars?: AgentVars;
  /** The heap one load may use before it is abandoned as too large (default 1 GiB). */
  heapLimitMb?: number;
  /** How long the thread waits for another load before it ends (default IDLE_MS). */
  idleMs?: number;
  /** A directory whose files come to at most this many bytes loads in process (default IN_PROCESS_BYTES). */
  inProcessBytes?: number;
}

/** The in-process loader that admits and resolves as `settings` say (the thread's, or a small directory's). */
export const settledLoader = (settings: LoaderSettings): RevisionLoader =>
  inProcessLoader({
    admit: admitter(settings.policy, { node: settings.node, protectedPaths: settings.protectedPaths }),
    view: { node: settings.node, vars: settings.vars ?? {} },
  });

/** One request to the worker. */
export interface LoaderRequest {
  id: number;
  kind: 'dir' | 'git';
  args: [string, string?, string?];
}

interface Reply {
  id: number;
  result?: LoadResult;
  error?: { code: ErrorCode; message: string; data: Record<string, unknown> };
}

const HEAP_LIMIT_MB = 1024;

/**
 * Loads come in bursts (a pass's fetch, then `mcp plan` or a quick second commit): a thread
 * kept this long serves a burst with its parse cache warm, and is gone before a long converge.
 */
const IDLE_MS = 2000;

/**
 * 32 KiB: some 170 services of a few lines, which held this thread (and the API) 27-70 ms
 * a load here, 110-150 ms the first time; the thread costs some 10 MB while it lives.
 */
const IN_PROCESS_BYTES = 32 * 1024;

/** A RevisionLoader backed by a worker thread started on demand, and its close. */
export const workerLoader = (
  settings: LoaderSettings,
): RevisionLoader & { close(): Promise<void>; live(): boolean; warm(dir?: string): void } => {
  let worker: Worker | undefined;
  let next = 0;
  const pending = new Map<number, { resolve: (r: LoadResult) => void; reject: (e: Error) => void }>();

  const failAll = (why: string): void => {
    for (const { resolve } of pending.values())
      resolve({
        ok: false,
        errors: [{ file: 'services', path: '', message: `the revision could not be loaded: ${why}` }],
      });
    pending.clear();
  };

  let idle: NodeJS.Timeout | undefined;
  /** Threads ended for want of loads: their exit fails nothing (no load is pending on them). */
  const retired = new WeakSet<Worker>();
  const retire = (w: Worker): void => {
    if (pending.size > 0 || worker !== w) return;
    worker = undefined;
    retired.add(w);
    void w.terminate();
  };
  /** The thread ends unless a load comes within the idle time. */
  const idleFrom = (w: Worker): void => {
    w.unref();
    clearTimeout(idle);
    idle = setTimeout(() => retire(w), settings.idleMs ?? IDLE_MS).unref();
  };

  const start = (): Worker => {
    const w = new Worker(new URL('./loader-worker.js', import.meta.url), {
      workerData: settings,
      resourceLimits: { maxOldGenerationSizeMb: settings.heapLimitMb ?? HEAP_LIMIT_MB },
    });
    w.on('message', ({ id, result, error }: Reply) => {
      const call = pending.get(id);
      pending.delete(id);
      if (pending.size === 0) idleFrom(w);
      if (!call) return;
      if (result) call.resolve(result);
      else
        call.reject(new McpError(error?.code ?? 'INTERNAL', error?.message ?? 'loader failed', error?.data));
    });
    w.on('error', (err) => failAll(err.message));
    w.on('exit', (code) => {
      if (retired.has(w)) return;
      if (worker === w) worker = undefined;
      failAll(`the loader stopped (exit code ${code})`);
    });
    return w;
  };

  const call = (kind: LoaderRequest['kind'], args: LoaderRequest['args']): Promise<LoadResult> =>
    new Promise((resolve, reject) => {
      const id = next++;
      pending.set(id, { resolve, reject });
      clearTimeout(idle);
      worker ??= start();
      worker.ref();
      worker.postMessage({ id, kind, args } satisfies LoaderRequest);
    });

  const local = settledLoader(settings);
  /** Whether DIR is small enough to load here (one that cannot be sized goes to the thread, which reports why). */
  const small = (dir: string): boolean => {
    try {
      return revisionBytes(dir) <= (settings.inProcessBytes ?? IN_PROCESS_BYTES);
    } catch {
      return false;
    }
  };

  return {
    fromDir: (dir) => (small(dir) ? local.fromDir(dir) : call('dir', [dir])),
    fromGit: (repoDir, ref, subdir) => call('git', [repoDir, ref, subdir]),
    /** Whether a thread is up now (it ends when idle). */
    live: () => worker !== undefined,
    /**
     * Starts the thread now, ahead of the first load (the agent's start: it boots while podman
     * lists, instead of in the first pass); it ends after the idle time if no load comes. Not
     * for a load of DIR, when given, that will load in process.
     */
    warm(dir?: string) {
      if (worker || (dir !== undefined && small(dir))) return;
      worker = start();
      idleFrom(worker);
    },
    async close() {
      clearTimeout(idle);
      const w = worker;
      worker = undefined;
      await w?.terminate();
    },
  };
};
