/**
 * The podman adapter never follows a redirect from the runtime socket. Podman answers a path
 * with `..` or `//` with a 301 to the cleaned path; docker-modem used to follow it by making a
 * URL out of a socket request, which threw outside any promise (`Invalid URL`) and ended the
 * agent, or dialled a host named after a path segment. A fake socket that answers every
 * request with a 301 stands in for podman (a mock only to inject that answer).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createClient } from '../../src/adapters/podman/client.js';
import { toMcpError } from '../../src/adapters/podman/errors.js';

let dir = '';
let server: Server;
const requests: string[] = [];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'i8a-redirect-'));
  server = createServer((req, res) => {
    requests.push(req.url ?? '');
    const location = req.url?.includes('images') ? '//images/x/json' : '/../x';
    res.writeHead(301, { Location: location, 'Content-Type': 'text/html' }).end('<a>Moved</a>');
  });
  await new Promise<void>((resolve) => server.listen(join(dir, 'podman.sock'), resolve));
});
after(() => {
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the runtime socket redirects', () => {
  for (const [what, call] of [
    [
      'an image inspect',
      (c: ReturnType<typeof createClient>) => c.api.getImage('localhost/../../x:v1').inspect(),
    ],
    ['a container list', (c: ReturnType<typeof createClient>) => c.api.listContainers({ all: true })],
  ] as const) {
    it(`fails ${what} with the 301 as a runtime error, one request, nothing thrown outside the promise`, async () => {
      requests.length = 0;
      const client = createClient(join(dir, 'podman.sock'));
      const err = await call(client).then(
        () => assert.fail('expected a rejection'),
        (e: unknown) => e,
      );
      assert.equal((err as { statusCode?: number }).statusCode, 301);
      assert.equal(toMcpError(err, what).code, 'RUNTIME');
      // Let any follow-up the client might still make reach the server.
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal(requests.length, 1, requests.join(', '));
    });
  }
});
