/**
 * The agent's revision loader thread: reads, parses, validates and admits revisions, so a
 * large or hostile revision costs this thread seconds, never the API's event loop.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { asMcpError } from '../domain/errors.js';
import { type LoaderRequest, type LoaderSettings, settledLoader } from './revision-loader.js';

const loader = settledLoader(workerData as LoaderSettings);

parentPort?.on('message', async ({ id, kind, args }: LoaderRequest) => {
  try {
    const result =
      kind === 'dir'
        ? await loader.fromDir(args[0])
        : await loader.fromGit(args[0], args[1] ?? 'HEAD', args[2]);
    parentPort?.postMessage({ id, result });
  } catch (err) {
    parentPort?.postMessage({ id, error: asMcpError(err).toJSON() });
  }
});
