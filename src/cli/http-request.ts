/**
 * One HTTP(S) request for the CLI's agent client, on node:http / node:https rather than
 * `fetch`: loading undici costs a cold `mcp status` about 70 ms, more than the request. The
 * answer has the few members of a fetch Response the client uses; failures are shaped as
 * fetch's (a TimeoutError, or an error whose `cause.code` is the socket's), so callers treat
 * both alike.
 */
import type { IncomingMessage, RequestOptions } from 'node:http';

/** The part of a fetch Response the agent client reads. */
export interface Answer {
  ok: boolean;
  status: number;
  json(): Promise<unknown>;
  arrayBuffer(): Promise<ArrayBuffer>;
}

export interface RequestInit {
  method: string;
  headers: Record<string, string>;
  body?: Uint8Array;
  timeoutMs: number;
}

const answerOf = (res: IncomingMessage, bytes: Buffer): Answer => ({
  ok: (res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 300,
  status: res.statusCode ?? 0,
  json: async () => JSON.parse(bytes.toString('utf8')),
  arrayBuffer: async () =>
    bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer,
});

/** Sends `init` to `url` and resolves with the whole answer, or rejects within `timeoutMs`. */
export const httpRequest = async (url: string, init: RequestInit): Promise<Answer> => {
  const target = new URL(url);
  const { request } = target.protocol === 'https:' ? await import('node:https') : await import('node:http');
  const headers = { ...init.headers, ...(init.body && { 'content-length': String(init.body.length) }) };
  const options: RequestOptions = { method: init.method, headers };
  return new Promise<Answer>((resolve, reject) => {
    const timer = setTimeout(() => {
      req.destroy(
        Object.assign(new Error(`no answer within ${init.timeoutMs} ms`), { name: 'TimeoutError' }),
      );
    }, init.timeoutMs);
    const req = request(target, options, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (part: Buffer) => parts.push(part));
      res.on('error', fail);
      res.on('end', () => {
        clearTimeout(timer);
        resolve(answerOf(res, Buffer.concat(parts)));
      });
    });
    function fail(err: Error): void {
      clearTimeout(timer);
      reject(err.name === 'TimeoutError' ? err : Object.assign(new Error('fetch failed'), { cause: err }));
    }
    req.on('error', fail);
    req.end(init.body);
  });
};
