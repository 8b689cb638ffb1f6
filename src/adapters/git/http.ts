/**
 * isomorphic-git's HTTP transport on Node's own fetch, with a deadline on every request, and
 * the one-line reasons a remote could not be reached. Shared by the agent's source (fetch)
 * and the CLI (push).
 */
import type { GitHttpRequest, GitHttpResponse, HttpClient } from 'isomorphic-git';

/** The URL without credentials, for logs and messages. */
export const redactUrl = (url: string): string => url.replace(/\/\/[^/@]*@/, '//');

const collect = async (body: AsyncIterableIterator<Uint8Array>): Promise<Uint8Array<ArrayBuffer>> => {
  const parts: Uint8Array[] = [];
  for await (const part of body) parts.push(part);
  return new Uint8Array(Buffer.concat(parts));
};

async function* chunks(stream: ReadableStream<Uint8Array> | null): AsyncIterableIterator<Uint8Array> {
  if (stream) yield* stream as unknown as AsyncIterable<Uint8Array>;
}

/** isomorphic-git's transport over Node's fetch, every request bounded by `signal`. */
export const httpClient = (signal: () => AbortSignal): HttpClient => ({
  async request(req: GitHttpRequest): Promise<GitHttpResponse> {
    const res = await fetch(req.url, {
      method: req.method ?? 'GET',
      headers: req.headers,
      body: req.body ? await collect(req.body) : undefined,
      signal: signal(),
    });
    return {
      url: res.url,
      method: req.method,
      statusCode: res.status,
      statusMessage: res.statusText,
      headers: Object.fromEntries(res.headers),
      body: chunks(res.body),
    };
  },
});

/** One line on why the remote could not be read, from isomorphic-git's or fetch's error. */
export const whyUnavailable = (err: unknown, timeoutMs: number): string => {
  const e = err as {
    code?: string;
    name?: string;
    message?: string;
    data?: { statusCode?: number };
    cause?: unknown;
  };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return `no answer within ${timeoutMs / 1000} s`;
  if (e.code === 'UserCanceledError' || (e.code === 'HttpError' && e.data?.statusCode === 401))
    return 'authentication failed (HTTP 401)';
  if (e.code === 'HttpError') return `HTTP ${e.data?.statusCode}`;
  if (e.code === 'NotFoundError') return 'branch not found on the remote';
  const cause = e.cause as { code?: string; message?: string } | undefined;
  return cause?.code ?? cause?.message ?? e.message ?? String(err);
};
