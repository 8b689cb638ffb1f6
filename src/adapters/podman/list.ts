/**
 * podman's own container list (`GET /libpod/containers/json`), not the Docker-compatible one:
 * it carries every field the informer reads, and podman answers it in two thirds of the time
 * (200 containers on these machines: 0.31 s against 0.49 s), for every relist and refresh.
 */
import type { PodmanClient } from './client.js';

/** The fields of one listed container that the informer reads. */
export interface ListedContainer {
  Id: string;
  Names?: string[] | null;
  State?: string;
  Image?: string;
  /** Without the `sha256:` of the Docker-compatible answer. */
  ImageID?: string;
  Labels?: Record<string, string> | null;
}

/** The libpod API's path; podman 4 and 5 both serve the v4 API. */
const PATH = '/v4.0.0/libpod/containers/json?';

/** Every container (running or not), or those whose id is in `ids`. */
export const listContainers = (
  client: PodmanClient,
  signal: AbortSignal,
  ids?: readonly string[],
): Promise<ListedContainer[]> =>
  new Promise((resolve, reject) => {
    const modem = client.api.modem as unknown as {
      dial(options: object, callback: (err: unknown, data: unknown) => void): void;
    };
    modem.dial(
      {
        path: PATH,
        method: 'GET',
        options: { all: true, ...(ids ? { filters: { id: ids } } : {}) },
        abortSignal: signal,
        statusCodes: { 200: true, 400: 'bad parameter', 500: 'server error' },
      },
      (err, data) => (err ? reject(err) : resolve((data as ListedContainer[] | null) ?? [])),
    );
  });
