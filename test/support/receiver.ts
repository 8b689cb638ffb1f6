/** A local HTTP receiver for notification tests: records each request, answers as told. */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface Receiver {
  url: string;
  received: Received[];
  /** The status the next answers carry (default 200). */
  status: number;
  /** While set, requests wait for it before they are answered. */
  hold?: Promise<void>;
  /** Resolves once `n` requests have arrived. */
  count(n: number): Promise<Received[]>;
  close(): Promise<void>;
}

export const startReceiver = async (): Promise<Receiver> => {
  const waiters: (() => void)[] = [];
  const r: Receiver = {
    url: '',
    received: [],
    status: 200,
    count: (n) =>
      new Promise((resolve) => {
        const check = () => {
          if (r.received.length >= n) resolve(r.received.slice(0, n));
          else waiters.push(check);
        };
        check();
      }),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      r.received.push({
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      for (const w of waiters.splice(0)) w();
      await r.hold;
      res.writeHead(r.status, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  r.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return r;
};
