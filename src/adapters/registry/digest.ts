/**
 * The distribution API's `HEAD /v2/<name>/manifests/<tag>`: the tag's digest is the answer's
 * Docker-Content-Digest header, with nothing downloaded (what podman auto-update and Flux's
 * image reflector ask). A registry that wants a token (a 401 with a Bearer challenge, as
 * Docker Hub answers even anonymous readers) is asked for an anonymous one first; registries
 * that need credentials are not supported yet. Registries listed as insecure are asked over
 * plain HTTP (a loopback registry); all others over HTTPS with the system's CAs.
 */
import { McpError } from '../../domain/errors.js';
import type { ImageRegistry } from '../../ports/image-registry.js';
import { parseImageReference } from '../../validate/image-reference.js';

/** Manifest media types asked for: an index or list (multi-arch) is what the tag names, as podman sees it. */
const ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

export interface RegistryClientOptions {
  /** `host[:port]` of registries asked over plain HTTP. */
  insecure?: readonly string[];
  /** Per request; default 10 s. */
  timeoutMs?: number;
}

/** Where a reference lives: the registry's base URL, the repository path and the tag or digest asked for. */
export const locate = (
  ref: string,
  insecure: readonly string[] = [],
): { base: string; name: string; tag: string } => {
  const parsed = parseImageReference(ref);
  if (!parsed.ok) throw new McpError('USAGE', `image ${ref} is not a valid reference: ${parsed.reason}`);
  const { domain, path, tag, digest } = parsed.ref;
  const host = !domain || domain === 'docker.io' ? 'registry-1.docker.io' : domain;
  const name = (!domain || domain === 'docker.io') && !path.includes('/') ? `library/${path}` : path;
  const scheme = domain && insecure.includes(domain) ? 'http' : 'https';
  return { base: `${scheme}://${host}`, name, tag: digest ?? tag ?? 'latest' };
};

const unavailable = (ref: string, reason: string, cause?: unknown, unreachable = false): McpError =>
  new McpError(
    'IMAGE_UNAVAILABLE',
    `image ${ref}: the registry could not be asked (the local image stays)`,
    { image: ref, reason, ...(unreachable ? { unreachable: true } : {}) },
    { cause },
  );

/** `Bearer realm="...",service="...",scope="..."` as a record. */
const challenge = (header: string | null): Record<string, string> | undefined => {
  if (!header || !/^bearer /i.test(header)) return undefined;
  return Object.fromEntries([...header.slice(7).matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
};

/** An HTTP client of registries' manifest endpoint. */
export const registryClient = (opts: RegistryClientOptions = {}): ImageRegistry => {
  const timeout = opts.timeoutMs ?? 10_000;
  const head = (url: string, token?: string) =>
    fetch(url, {
      method: 'HEAD',
      headers: { Accept: ACCEPT, ...(token ? { Authorization: `Bearer ${token}` } : {}) },
      signal: AbortSignal.timeout(timeout),
      redirect: 'follow',
    });
  const anonymousToken = async (params: Record<string, string>): Promise<string> => {
    const url = new URL(params.realm);
    for (const key of ['service', 'scope']) if (params[key]) url.searchParams.set(key, params[key]);
    const res = await fetch(url, { signal: AbortSignal.timeout(timeout) });
    if (!res.ok) throw new Error(`token endpoint answered ${res.status}`);
    const body = (await res.json()) as { token?: string; access_token?: string };
    const token = body.token ?? body.access_token;
    if (!token) throw new Error('token endpoint gave no token');
    return token;
  };
  return {
    async digest(ref) {
      const { base, name, tag } = locate(ref, opts.insecure);
      const url = `${base}/v2/${name}/manifests/${tag}`;
      try {
        let res = await head(url);
        const bearer = res.status === 401 ? challenge(res.headers.get('www-authenticate')) : undefined;
        if (bearer?.realm) res = await head(url, await anonymousToken(bearer));
        if (res.status === 404) throw new Error(`the registry has no ${name}:${tag}`);
        if (res.status === 401 || res.status === 403)
          throw new Error(
            `the registry refused (${res.status}): credentials are not supported by the digest check`,
          );
        if (!res.ok) throw new Error(`the registry answered ${res.status}`);
        const digest = res.headers.get('docker-content-digest');
        if (!digest) throw new Error('the registry gave no Docker-Content-Digest');
        return digest;
      } catch (err) {
        const cause = (err as { cause?: { code?: string; message?: string } }).cause;
        const timedOut = (err as Error).name === 'TimeoutError';
        const reason = cause?.code
          ? `${cause.code} ${base}`
          : timedOut
            ? `no answer from ${base} within ${timeout} ms`
            : (err as Error).message;
        throw unavailable(ref, reason, err, cause?.code !== undefined || timedOut);
      }
    },
    registryOf: (ref) => locate(ref, opts.insecure).base,
  };
};
