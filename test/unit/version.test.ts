/**
 * One version, package.json's, on both executables and in GET /v1/status; `mcp status` warns
 * when the agents it asks run different ones, naming which node runs which.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tokenDigest } from '../../src/agent/api/auth.js';
import { type ApiServer, startApi } from '../../src/agent/api/server.js';
import { main } from '../../src/cli/main.js';
import { silentLogger } from '../../src/log.js';
import { type Harness, harness } from '../support/agent-harness.js';
import { runCli } from '../support/cli.js';
import { service } from '../support/plan-builders.js';

const ROOT = join(import.meta.dirname, '../../..');
const PKG_VERSION: string = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;
const AGENT = join(import.meta.dirname, '../../src/agent/main.js');

describe('versions', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-version-'));
  let h: Harness;
  const apis: ApiServer[] = [];

  /** A real agent API for `node` over the harness's registry; `version` stands for another install's. */
  const agentApi = async (node: string, version?: string): Promise<string> => {
    const api = await startApi(
      {
        node,
        ...(version && { version }),
        source: 'test',
        store: h.store,
        runtimes: [h.runtime],
        filesRoot: join(dir, 'srv'),
        trigger: () => h.pass().then(() => {}),
        adopt: (names) => h.adopt(names),
      },
      {
        listen: '127.0.0.1:0',
        tokens: [{ name: 'viewer', sha256: tokenDigest('read-token'), role: 'read' }],
      },
      silentLogger,
    );
    apis.push(api);
    return api.url.replace('http://', '');
  };

  /** mcp.toml naming `nodes` (name -> address); returns the environment that selects it. */
  const fleet = (name: string, nodes: Record<string, string>): Record<string, string> => {
    const entries = Object.entries(nodes).map(([n, a]) => `[[nodes]]\nname = "${n}"\naddress = "${a}"\n`);
    writeFileSync(join(dir, `${name}.toml`), `[auth]\ntoken_path = "token"\n\n${entries.join('\n')}`);
    return { MCP_CONFIG: join(dir, `${name}.toml`) };
  };

  before(async () => {
    h = await harness();
    const dns = service('dns', ['server']);
    for (const c of dns.components) h.runtime.addImage(c.image);
    h.serve([dns], '3f9a2c1d00');
    await h.pass();
    writeFileSync(join(dir, 'token'), 'read-token\n');
  });

  after(async () => {
    for (const api of apis) await api.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('mcp-agent --version prints package.json’s version and exits 0', () => {
    for (const flag of ['--version', '-V']) {
      const r = spawnSync(process.execPath, [AGENT, flag], { encoding: 'utf8' });
      assert.equal(r.status, 0);
      assert.equal(r.stdout, `mcp-agent ${PKG_VERSION}\n`);
      assert.equal(r.stderr, '');
    }
  });

  it('GET /v1/status carries the agent’s version, package.json’s', async () => {
    const address = await agentApi('rift');
    const res = await fetch(`http://${address}/v1/status`, {
      headers: { authorization: 'Bearer read-token' },
    });
    assert.equal(res.status, 200);
    assert.equal((await res.json()).version, PKG_VERSION);
  });

  it('mcp status says nothing of versions when every agent runs the same one', async () => {
    const env = fleet('same', { rift: await agentApi('rift'), vade: await agentApi('vade') });
    const r = await runCli(main, ['status'], { cwd: dir, env });
    assert.doesNotMatch(r.err, /version/);
    assert.match(r.out, /^rift\s/m);
    assert.match(r.out, /^vade\s/m);
  });

  it('mcp status warns when the agents run different versions, with which node runs which', async () => {
    const env = fleet('mixed', {
      rift: await agentApi('rift'),
      vade: await agentApi('vade', '0.0.9'),
      tarn: await agentApi('tarn'),
    });
    const r = await runCli(main, ['status'], { cwd: dir, env });
    assert.equal(
      r.err,
      `warning: the agents run different versions: ${PKG_VERSION} on rift, tarn; 0.0.9 on vade`,
    );
    assert.match(r.out, /^vade\s+converged/m, 'the table is unchanged');
  });
});
