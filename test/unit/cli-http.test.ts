/**
 * The CLI's requests to agents (node:http / node:https, no fetch): an HTTPS agent with a
 * private CA is reached through NODE_EXTRA_CA_CERTS and refused without it, an agent that
 * never answers is reported after the timeout, a refused connection names its cause.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { type ApiToken, tokenDigest } from '../../src/agent/api/auth.js';
import { startApi } from '../../src/agent/api/server.js';
import { askNodes } from '../../src/cli/agent-client.js';
import { silentLogger } from '../../src/log.js';
import { harness } from '../support/agent-harness.js';
import { closedPort } from '../support/net.js';
import { selfSignedCert } from '../support/tls.js';

const MAIN = join(import.meta.dirname, '../../src/cli/main.js');
const tokens: ApiToken[] = [{ name: 'viewer', sha256: tokenDigest('read-token'), role: 'read' }];

describe('the CLI agent client', () => {
  const dir = mkdtempSync(join(tmpdir(), 'i11-http-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reaches an HTTPS agent whose CA is in NODE_EXTRA_CA_CERTS, and refuses it otherwise', async () => {
    const { key, cert } = selfSignedCert(dir);
    const h = await harness();
    const api = await startApi(
      {
        node: 'rift',
        source: 'test',
        store: h.store,
        runtimes: [h.runtime],
        trigger: async () => {},
        filesRoot: '/x',
      },
      { listen: '127.0.0.1:0', tlsCert: cert, tlsKey: key, tokens },
      silentLogger,
    );
    try {
      writeFileSync(join(dir, 'mcp.toml'), `[[nodes]]\nname = "rift"\naddress = "${api.url}"\n`);
      const env = {
        PATH: process.env.PATH,
        HOME: dir,
        MCP_CONFIG: join(dir, 'mcp.toml'),
        MCP_TOKEN: 'read-token',
      };
      // asynchronous: this process serves the agent while the CLI runs
      const run = (extra: Record<string, string>) =>
        promisify(execFile)(process.execPath, [MAIN, 'node', 'list', '--json'], {
          env: { ...env, ...extra },
        });
      const trusted = JSON.parse((await run({ NODE_EXTRA_CA_CERTS: cert })).stdout);
      assert.equal(trusted[0].reachable, true, JSON.stringify(trusted));
      const untrusted = JSON.parse((await run({})).stdout);
      assert.equal(untrusted[0].reachable, false);
      assert.match(untrusted[0].error.message, /is unreachable: [A-Z_]*(CERT|SIGNED)[A-Z_]*$/);
    } finally {
      await api.close();
    }
  });

  it('reports an agent that accepts but never answers after the timeout, and a refused connection by its cause', async () => {
    const silent = createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as { port: number }).port;
    try {
      const [hung] = await askNodes([{ name: 'mute', address: `127.0.0.1:${port}` }], '/v1/status', {
        timeoutMs: 200,
      });
      assert.equal(hung.ok, false);
      assert.match(
        !hung.ok ? hung.error.message : '',
        /^mute \(http:\/\/127\.0\.0\.1:\d+\) is unreachable: no answer within 0\.2 s$/,
      );
    } finally {
      silent.close();
    }
    const [refused] = await askNodes(
      [{ name: 'gone', address: `127.0.0.1:${await closedPort()}` }],
      '/v1/status',
    );
    assert.match(!refused.ok ? refused.error.message : '', /is unreachable: ECONNREFUSED$/);
    assert.equal(!refused.ok && refused.error.code, 'AGENT_UNAVAILABLE');
  });
});
