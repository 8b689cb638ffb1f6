/**
 * A local directory of service files as the desired state (development, or a checkout kept
 * current by other means). The parsed revision is reused while no file's size or mtime
 * changed, so a steady-state pass does not re-parse hundreds of files. A running agent
 * watches the directory: while the watch is live and has seen nothing, a pass does not even
 * look at the files (a stat each), except once per `recheckMs` in case the watch missed one.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { McpError } from '../../domain/errors.js';
import { RECIPIENTS_FILE } from '../../domain/secrets.js';
import type { RevisionLoader } from '../../ports/revision-loader.js';
import type { FetchResult, RevisionSource, SourceWatch } from '../../ports/revision-source.js';
import { loadRevisionFromDir } from './load.js';

/** `loader`: how a changed directory is loaded (the agent's works off the main thread, with admission). */
export const dirSource = (
  dir: string,
  loader: Pick<RevisionLoader, 'fromDir'> = { fromDir: (d) => loadRevisionFromDir(d) },
): RevisionSource => {
  let cached: { signature: string; result: FetchResult; at: number; changes: number } | undefined;
  /** The live watch and the changes it has reported; none before it is ready or once it failed. */
  let live: { opts: SourceWatch; changes: number } | undefined;
  return {
    description: dir,
    async fetch() {
      if (cached && live?.changes === cached.changes && Date.now() - cached.at < live.opts.recheckMs)
        return cached.result;
      // Taken before the files are looked at: a change reported meanwhile makes the next fetch look again.
      const seen = { changes: live?.changes ?? -1, at: Date.now() };
      const signature = signatureOf(dir);
      if (cached?.signature === signature) {
        cached = { ...cached, ...seen };
        return cached.result;
      }
      const result = await loader.fromDir(dir);
      cached = { signature, result, ...seen };
      return result;
    },
    async watch(opts: SourceWatch) {
      const { watch } = await import('chokidar');
      const watcher = watch(dir, { ignoreInitial: true, ignored: opts.ignored });
      watcher
        .on('all', (_event, path) => {
          if (live) live.changes++;
          opts.onChange(path);
        })
        .on('error', () => {
          live = undefined;
        });
      await new Promise<void>((resolve) => watcher.once('ready', resolve));
      live = { opts, changes: 0 };
      return {
        async close() {
          live = undefined;
          await watcher.close();
        },
      };
    },
  };
};

/**
 * Names, sizes and mtimes of the TOML files (services and nodes/): changes whenever an edit could change the
 * revision. Synchronous on purpose: a few hundred stat calls take well under a millisecond
 * this way, where the thread pool round trips of the async ones cost several.
 */
const signatureOf = (dir: string): string =>
  revisionPaths(dir)
    .map((path) => {
      const s = statSync(path, { throwIfNoEntry: false });
      return `${path}:${s?.size}:${s?.mtimeMs}`;
    })
    .join('\n');

/**
 * The bytes a load of DIR would read (service and node files, secrets), from their sizes now:
 * what the agent's loader decides by whether a load needs a thread of its own.
 */
export const revisionBytes = (dir: string): number =>
  revisionPaths(dir).reduce((sum, path) => sum + (statSync(path, { throwIfNoEntry: false })?.size ?? 0), 0);

/** The files a revision of DIR is read from. */
const revisionPaths = (dir: string): string[] => {
  const services = join(dir, 'services');
  const nodes = join(dir, 'nodes');
  return [
    ...filesOf(isDirectory(services) ? services : dir, true),
    ...(isDirectory(nodes) ? filesOf(nodes, false) : []),
    ...secretPaths(dir),
  ];
};

/** The TOML files of `base`; `required`: an unreadable directory is SOURCE_UNAVAILABLE (else it counts as empty). */
const filesOf = (base: string, required: boolean): string[] => {
  let names: string[];
  try {
    names = readdirSync(base);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    if (!required) return [];
    throw new McpError('SOURCE_UNAVAILABLE', `cannot read ${base}: ${code}`, { dir: base });
  }
  return names
    .filter((n) => n.endsWith('.toml'))
    .sort()
    .map((n) => join(base, n));
};

/** `.mcp/recipients.toml` and the files under `secrets/<service>/`: a new ciphertext is a new revision. */
const secretPaths = (dir: string): string[] => {
  const top = join(dir, 'secrets');
  const list = (path: string): string[] => {
    try {
      return readdirSync(path).sort();
    } catch {
      return [];
    }
  };
  return [
    join(dir, RECIPIENTS_FILE),
    ...list(top).flatMap((service) => list(join(top, service)).map((n) => join(top, service, n))),
  ];
};

const isDirectory = (path: string): boolean =>
  statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false;
