/**
 * `mcp-agent init` as an operator runs it on a fresh node: a process writing into an empty
 * directory, against the real podman socket and a real git server. The config it writes starts
 * a real `mcp-agent run`, whose API takes the two printed tokens each for what its role allows
 * and refuses each where it should; a second init changes nothing, byte for byte; a socket
 * that does not answer is reported with what to do, and the init still succeeds.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tokenDigest } from '../../src/agent/api/auth.js';
import { type AgentProcess, startAgent, until } from '../support/agent-process.js';
import type { GitServer } from '../support/git-http.js';
import { closedPort } from '../support/net.js';
import { IMAGE_V1, podmanSocket, requirePodman } from '../support/podman.js';
import { servicesRepo } from '../support/services-repo.js';

const RUN = randomBytes(3).toString('hex');
const NODE = `i19init${RUN}`;
const AGENT = join(import.meta.dirname, '../../src/agent/main.js');

interface Run {
  code: number | null;
  out: string;
  err: string;
}

const agentCli = (args: string[], cwd: string): Promise<Run> =>
  new Promise((resolve) => {
    const child = spawn(process.execPath, [AGENT, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      err += d;
    });
    child.on('exit', (code) => resolve({ code, out, err }));
  });

/** The token printed on the line of `role`. */
const printed = (out: string, role: 'operate' | 'read'): string => {
  const token = new RegExp(`^  ${role} +([0-9a-f]{64}) `, 'm').exec(out)?.[1];
  assert.ok(token, `no ${role} token printed:\n${out}`);
  return token;
};

const modeOf = (path: string): number => statSync(path).mode & 0o777;

describe('mcp-agent init on a fresh node', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-i19-init-'));
  const config = join(dir, 'etc', 'mcp-agent.toml');
  let server: GitServer;
  let agent: AgentProcess | undefined;
  let listen = '';
  let first: Run;

  before(async () => {
    await requirePodman();
    // A repository whose one service is another node's: this node has nothing to run.
    ({ server } = await servicesRepo(dir, {
      [`services/${NODE}-x.toml`]: `name = "${NODE}-x"\nnode = "${NODE}-other"\n\n[[components]]\nname = "main"\nimage = "${IMAGE_V1}"\n`,
    }));
    listen = `127.0.0.1:${await closedPort()}`;
    first = await agentCli(
      [
        'init',
        '--node',
        NODE,
        '--source',
        server.url('services.git'),
        '--config',
        config,
        '--state-dir',
        'state',
        '--socket',
        podmanSocket,
        '--listen',
        listen,
      ],
      dir,
    );
  });

  after(async () => {
    agent?.kill();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes a 0600 config and webhook secret, makes the state directory, finds podman, and prints the next steps', () => {
    assert.equal(first.code, 0, first.err);
    assert.equal(modeOf(config), 0o600);
    assert.equal(modeOf(join(dir, 'etc', 'webhook.secret')), 0o600);
    assert.ok(
      statSync(join(dir, 'state')).isDirectory(),
      'the state directory, relative to the working directory',
    );
    assert.match(first.out, new RegExp(`^podman socket ${podmanSocket}: answers \\(podman \\S+\\)$`, 'm'));
    assert.match(first.out, new RegExp(`^ +mcp-agent run --config ${config}$`, 'm'));
    assert.match(first.out, new RegExp(`^ +mcp node add ${NODE} ${listen}$`, 'm'));
  });

  it('keeps only the tokens digests in the config', () => {
    const text = readFileSync(config, 'utf8');
    for (const role of ['operate', 'read'] as const) {
      const token = printed(first.out, role);
      assert.ok(!text.includes(token), `the ${role} token itself is not written down`);
      assert.ok(text.includes(`sha256 = "${tokenDigest(token)}"`), `the ${role} token's digest is`);
    }
  });

  it('starts a real agent whose API takes each printed token for its role only', async () => {
    const operate = printed(first.out, 'operate');
    const read = printed(first.out, 'read');
    agent = await startAgent(config, operate);
    assert.equal(agent.api, `http://${listen}`);
    const call = async (method: string, path: string, token?: string) =>
      (
        await fetch(`${agent!.api}${path}`, {
          method,
          headers: token ? { authorization: `Bearer ${token}` } : {},
        })
      ).status;

    assert.equal(await call('GET', '/v1/status', read), 200, 'read reads');
    assert.equal(await call('POST', '/v1/reconcile', read), 403, 'read cannot operate');
    assert.equal(await call('GET', '/v1/status'), 401, 'no token, no status');
    assert.equal(await call('GET', '/v1/status', 'f'.repeat(64)), 401, 'an unknown token is refused');
    assert.equal(await call('GET', '/v1/status', operate), 200, 'operate reads');
    // The agent observes podman once its first list is in: /v1/ps answers 503 until then.
    await until('podman observed', async () => (await call('GET', '/v1/ps', read)) === 200);
    const pass = await agent.pass();
    assert.equal(pass.result, 'converged', pass.summary);
    const status = JSON.parse(await agent.get('/v1/status'));
    assert.equal(status.node, NODE);
    assert.equal(status.source, `${server.url('services.git')}#main`);
  });

  it('refuses to overwrite: exit 3, the config and the secret byte for byte as they were', async () => {
    const before = readFileSync(config);
    const secret = readFileSync(join(dir, 'etc', 'webhook.secret'));
    const again = await agentCli(
      [
        'init',
        '--node',
        'other',
        '--source',
        'http://127.0.0.1:1/x.git',
        '--config',
        config,
        '--state-dir',
        'state2',
      ],
      dir,
    );
    assert.equal(again.code, 3);
    assert.match(
      again.err,
      new RegExp(`${config} exists: mcp-agent init never overwrites, nothing was changed`),
    );
    assert.equal(again.out, '', 'no token printed');
    assert.deepEqual(readFileSync(config), before);
    assert.deepEqual(readFileSync(join(dir, 'etc', 'webhook.secret')), secret);
    assert.throws(() => statSync(join(dir, 'state2')), 'no state directory made');
  });

  it('reports a podman socket that does not answer, says what to do, and still succeeds; keeps a given operate token', async () => {
    const socket = join(dir, 'no-podman.sock');
    const operate = tokenDigest(printed(first.out, 'operate'));
    const run = await agentCli(
      [
        'init',
        '--node',
        NODE,
        '--source',
        server.url('services.git'),
        '--config',
        'other/mcp-agent.toml',
        '--state-dir',
        'state3',
        '--socket',
        socket,
        '--operate-sha256',
        operate,
      ],
      dir,
    );
    assert.equal(run.code, 0, run.err);
    assert.match(run.out, new RegExp(`^podman socket ${socket}: does not answer \\(no such socket\\)$`, 'm'));
    assert.match(run.out, /systemctl enable --now podman\.socket/);
    assert.match(run.out, new RegExp(`^  1\\. Make podman's API answer on ${socket}`, 'm'));
    assert.equal(modeOf(join(dir, 'other', 'mcp-agent.toml')), 0o600);
    assert.doesNotMatch(run.out, /^ {2}operate /m, 'no new operate token');
    printed(run.out, 'read');
    const text = readFileSync(join(dir, 'other', 'mcp-agent.toml'), 'utf8');
    assert.match(text, new RegExp(`name = "operator"\nsha256 = "${operate}"\nrole = "operate"`));
  });
});
