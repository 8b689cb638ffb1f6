/**
 * An agent API on a free port in front of the in-memory runtime, serving the services
 * `wiki` and `dns` of node rift, with files under a directory of the test's choosing; and
 * raw HTTP requests for the tests that must control every byte on the wire.
 */
import { connect } from 'node:net';
import { type ApiToken, tokenDigest } from '../../src/agent/api/auth.js';
import { type ApiOptions, type ApiServer, startApi } from '../../src/agent/api/server.js';
import { silentLogger } from '../../src/log.js';
import { harness } from './agent-harness.js';
import { service } from './plan-builders.js';

export const TOKENS: ApiToken[] = [
  { name: 'viewer', sha256: tokenDigest('read-token'), role: 'read' },
  { name: 'operator', sha256: tokenDigest('operate-token'), role: 'operate' },
];

export const WEBHOOK_SECRET = 'a-webhook-secret-of-32-bytes-...';

/** Starts the API; `triggers` collects the reasons of the passes it asked for. */
export const testApi = async (
  filesRoot: string,
  opts: Partial<ApiOptions> = {},
): Promise<{ api: ApiServer; triggers: string[] }> => {
  const h = await harness();
  h.serve([service('wiki', ['api']), service('dns', ['server'])], 'abc1234def');
  await h.pass();
  const triggers: string[] = [];
  const api = await startApi(
    {
      node: 'rift',
      source: 'test',
      branch: 'main',
      store: h.store,
      runtimes: [h.runtime],
      filesRoot,
      trigger: async (reason) => {
        triggers.push(reason);
      },
    },
    { listen: '127.0.0.1:0', tokens: TOKENS, webhookSecret: WEBHOOK_SECRET, ...opts },
    silentLogger,
  );
  return { api, triggers };
};

export interface RawAnswer {
  status: number;
  body: string;
}

/**
 * Sends `head` (request line and headers, without the blank line) and `body`, and resolves
 * with the answer as soon as it is complete, or undefined when none came in `waitMs` (the
 * socket is then closed). The body may be shorter than the Content-Length it announces.
 */
export const rawRequest = (
  url: string,
  head: string,
  body = '',
  waitMs = 5000,
): Promise<RawAnswer | undefined> =>
  new Promise((resolve, reject) => {
    const { hostname, port } = new URL(url);
    const socket = connect(Number(port), hostname);
    let text = '';
    const done = (answer: RawAnswer | undefined) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(answer);
    };
    const timer = setTimeout(() => done(undefined), waitMs);
    socket.on('error', (err) => (text ? done(parse(text)) : reject(err)));
    socket.on('data', (d) => {
      text += d;
      const answer = parse(text);
      if (answer) done(answer);
    });
    socket.on('end', () => done(parse(text)));
    socket.write(`${head}\r\n\r\n${body}`);
  });

const parse = (text: string): RawAnswer | undefined => {
  const split = text.indexOf('\r\n\r\n');
  if (split < 0) return undefined;
  const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(text.slice(0, split))?.[1] ?? -1);
  const body = text.slice(split + 4);
  if (length < 0 || Buffer.byteLength(body) < length) return undefined;
  return { status: Number(text.slice(9, 12)), body };
};
