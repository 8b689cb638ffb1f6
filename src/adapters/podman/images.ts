/**
 * ensureImage: the local image id of a reference, pulling it when it is missing; pullImage:
 * a pull by policy (`always`, `newer`). Podman reports a failed pull inside a 200 progress
 * stream, so the stream is read to the end and searched for an error before the pull counts
 * as done.
 */
import type Docker from 'dockerode';
import { McpError } from '../../domain/errors.js';
import { deadline, TIMEOUT_MS } from './client.js';
import { podmanMessage, statusOf, toMcpError } from './errors.js';
import { lookupImage, refVariants } from './translate.js';

interface Progress {
  error?: string;
  errorDetail?: { message?: string };
}

const unavailable = (ref: string, reason: string, cause?: unknown, local = false): McpError =>
  new McpError(
    'IMAGE_UNAVAILABLE',
    local
      ? `image ${ref}: the registry could not be asked (the local image stays)`
      : `image ${ref} not found locally and the registry is unreachable`,
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

/**
 * The reference with its registry spelt out (`busybox:1` -> `docker.io/library/busybox:1`), as
 * the compat pull did: libpod resolves a short name through registries.conf, which may refuse it.
 */
const qualified = (ref: string): string => refVariants(ref).at(-1) ?? ref;

/** How a pull asks: podman's pull policy, and whether the registry's TLS is verified. */
export interface PullOptions {
  policy: 'always' | 'newer';
  tlsVerify: boolean;
}

/**
 * libpod's `POST /images/pull` (the compat pull has no tlsVerify): `always` fetches the tag,
 * `newer` asks the registry for the tag's digest and fetches only when it differs from the
 * local image's. The answer is a 200 stream whose last object names the image, or an error.
 */
const pull = async (docker: Docker, ref: string, opts: PullOptions): Promise<string | undefined> => {
  const local = opts.policy === 'newer';
  let output: (Progress & { id?: string })[];
  try {
    const stream = await new Promise<NodeJS.ReadableStream>((resolve, reject) =>
      docker.modem.dial(
        {
          path: '/v4.0.0/libpod/images/pull?',
          method: 'POST',
          options: {
            reference: qualified(ref),
            policy: opts.policy,
            tlsVerify: opts.tlsVerify,
            quiet: false,
          },
          isStream: true,
          statusCodes: { 200: true, 400: 'bad parameter', 500: 'server error' },
          abortSignal: deadline(TIMEOUT_MS.pull),
        },
        (err: unknown, data: unknown) => (err ? reject(err) : resolve(data as NodeJS.ReadableStream)),
      ),
    );
    output = await new Promise<Progress[]>((resolve, reject) =>
      docker.modem.followProgress(stream, (err, out) => (err ? reject(err) : resolve(out as Progress[]))),
    );
  } catch (err) {
    const mapped = toMcpError(err, `pull ${ref}`);
    if (mapped.code === 'RUNTIME_UNAVAILABLE') throw mapped;
    throw unavailable(ref, podmanMessage(err), err, local);
  }
  const failed = output.find((p) => p.error || p.errorDetail?.message);
  if (failed)
    throw unavailable(ref, failed.errorDetail?.message ?? failed.error ?? 'pull failed', undefined, local);
  const id = [...output].reverse().find((p) => p.id)?.id;
  // libpod answers with the bare hex id; the compat list and inspect (the cache) spell it sha256:<hex>.
  return id && !id.startsWith('sha256:') ? `sha256:${id}` : id;
};

/** Pulls `ref` as `opts` says (see pull): the local id of the tag afterwards. */
export const pullImage = async (docker: Docker, ref: string, opts: PullOptions): Promise<string> => {
  const id = (await pull(docker, ref, opts)) ?? (await inspectId(docker, ref));
  if (!id) throw unavailable(ref, 'the pull finished but the image is not present');
  return id;
};

/** The RepoDigests of local image `id` (`repo@sha256:...`), asked of podman. */
export const imageRepoDigests = async (docker: Docker, id: string): Promise<string[]> => {
  try {
    const info = await docker.getImage(id).inspect();
    return info.RepoDigests ?? [];
  } catch (err) {
    if (statusOf(err) === 404) return [];
    throw toMcpError(err, `inspect image ${id}`, { image: id });
  }
};

/** Cached id, else local inspect, else pull (telling `onPull` first) then inspect. */
export const ensureImage = async (
  docker: Docker,
  cached: Map<string, string> | undefined,
  ref: string,
  tlsVerify: boolean,
  onPull?: () => void,
): Promise<string> => {
  const known = cached && lookupImage(cached, ref);
  if (known) return known;
  const local = await inspectId(docker, ref);
  if (local) return local;
  onPull?.();
  return pullImage(docker, ref, { policy: 'always', tlsVerify });
};
