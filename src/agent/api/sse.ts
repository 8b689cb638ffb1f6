/**
 * Server-Sent Events for `GET /v1/events/stream`: one message per record of the store's feed,
 * a comment every 15 s so proxies keep the connection, and a client too slow to read is cut
 * off (its unsent bytes past 1 MiB) rather than buffered without end: it never slows the agent.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** How a stream is fed: `send` writes one message; the returned function unsubscribes. */
export type EventSource = (send: (event: string, data: unknown) => void) => () => void;

const HEARTBEAT_MS = 15_000;
const MAX_BUFFERED = 1 << 20;

export const serveEvents = (req: IncomingMessage, res: ServerResponse, source: EventSource): void => {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  res.write(': connected\n\n');
  let done = false;
  const end = () => {
    if (done) return;
    done = true;
    clearInterval(heartbeat);
    unsubscribe();
    res.end();
  };
  const write = (text: string) => {
    if (done) return;
    res.write(text);
    if (res.writableLength > MAX_BUFFERED) end();
  };
  const unsubscribe = source((event, data) => write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`));
  const heartbeat = setInterval(() => write(': ping\n\n'), HEARTBEAT_MS);
  heartbeat.unref();
  req.on('close', end);
  res.on('error', end);
};
