/**
 * Request bodies under bounds: a size limit (checked against Content-Length before a byte is
 * read, and again while reading) and an idle timeout, so a client that announces a body and
 * never sends it gets an answer instead of holding the request open.
 */
import type { IncomingMessage } from 'node:http';
import { McpError } from '../../domain/errors.js';

export interface BodyBounds {
  /** Largest body accepted, in bytes. */
  limit: number;
  /** Longest wait for the next chunk, in milliseconds. */
  idleMs: number;
}

const tooLarge = (limit: number) => new McpError('TOO_LARGE', `body over ${limit} bytes`, { limit });

/** TOO_LARGE when the announced length is over the limit: the check that needs no read. */
export const checkLength = (req: IncomingMessage, limit: number): void => {
  if (Number(req.headers['content-length'] ?? 0) > limit) throw tooLarge(limit);
};

const nextChunk = <T>(next: Promise<T>, idleMs: number): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  const stalled = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new McpError('TIMEOUT', `request body stalled for ${idleMs} ms`, { idleMs })),
      idleMs,
    );
  });
  return Promise.race([next, stalled]).finally(() => clearTimeout(timer));
};

/** The body's chunks as they arrive: TOO_LARGE past the limit, TIMEOUT when the client stalls. */
export async function* boundedBody(req: IncomingMessage, bounds: BodyBounds): AsyncGenerator<Buffer> {
  checkLength(req, bounds.limit);
  const chunks = (req as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  let size = 0;
  for (;;) {
    const next = await nextChunk(chunks.next(), bounds.idleMs);
    if (next.done) return;
    size += next.value.length;
    if (size > bounds.limit) throw tooLarge(bounds.limit);
    yield next.value;
  }
}

/** The whole body in memory, for the small JSON bodies of the API (never a file's). */
export const readBody = async (req: IncomingMessage, bounds: BodyBounds): Promise<Buffer> => {
  const parts: Buffer[] = [];
  for await (const part of boundedBody(req, bounds)) parts.push(part);
  return Buffer.concat(parts);
};
