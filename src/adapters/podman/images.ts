/**
 * ensureImage: the local image id of a reference, pulling it when it is missing. Podman
 * reports a failed pull inside a 200 progress stream, so the stream is read to the end and
 * searched for an error before the pull counts as done.
 */
import type Docker from 'dockerode';
import { McpError } from '../../domain/errors.js';
import { deadline, TIMEOUT_MS } from './client.js';
import { podmanMessage, statusOf, toMcpError } from './errors.js';
import { lookupImage } from './translate.js';

interface Progress {
  error?: string;
  errorDetail?: { message?: string };
}

const unavailable = (ref: string, reason: string, cause?: unknown): McpError =>
  new McpError(
    'IMAGE_UNAVAILABLE',
    `image ${ref} not found locally and the registry is unreachable`,
    { image: ref, reason },
    { cause },
  );

const inspectId = async (docker: Docker, ref: string): Promise<string | undefined> => {
  try {
    const info = await docker.getImage(ref).inspect();
    return info.Id;
  } catch (err) {
    if (statusOf(err) === 404) return undefined;
    throw toMcpError(err, `inspect image ${ref}`, { image: ref });
  }
};

const pull = async (docker: Docker, ref: string): Promise<void> => {
  let output: Progress[];
  try {
    const stream = await docker.pull(ref, { abortSignal: deadline(TIMEOUT_MS.pull) });
    output = await new Promise<Progress[]>((resolve, reject) =>
      docker.modem.followProgress(stream, (err, out) => (err ? reject(err) : resolve(out as Progress[]))),
    );
  } catch (err) {
    const mapped = toMcpError(err, `pull ${ref}`);
    if (mapped.code === 'RUNTIME_UNAVAILABLE') throw mapped;
    throw unavailable(ref, podmanMessage(err), err);
  }
  const failed = output.find((p) => p.error || p.errorDetail?.message);
  if (failed) throw unavailable(ref, failed.errorDetail?.message ?? failed.error ?? 'pull failed');
};

/** Cached id, else local inspect, else pull (telling `onPull` first) then inspect. */
export const ensureImage = async (
  docker: Docker,
  cached: Map<string, string> | undefined,
  ref: string,
  onPull?: () => void,
): Promise<string> => {
  const known = cached && lookupImage(cached, ref);
  if (known) return known;
  const local = await inspectId(docker, ref);
  if (local) return local;
  onPull?.();
  await pull(docker, ref);
  const pulled = await inspectId(docker, ref);
  if (!pulled) throw unavailable(ref, 'the pull finished but the image is not present');
  return pulled;
};
