/**
 * Suspend and resume as an operator uses them: a real `mcp-agent run` process on the real
 * podman following a real git server, and `mcp` run as a process. A suspended service whose
 * container is removed by hand and whose spec changes in a new commit is left alone (drift
 * and the held change shown by mcp status), while another service converges; mcp plan --live
 * shows what a resume would do; resume converges it in the one pass it triggers. A whole node
 * suspended survives a restart of the agent; a read token cannot suspend.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tokenDigest } from '../../src/agent/api/auth.js';
import type { StatusAnswer } from '../../src/wire/api.js';
import type { GitServer } from '../support/git-http.js';
import { closedPort } from '../support/net.js';
import {
  containerStates,
  IMAGE_V1,
  IMAGE_V2,
  podman,
  podmanSocket,
  removeContainers,
  requirePodman,
} from '../support/podman.js';
import { git, servicesRepo } from '../support/services-repo.js';

const RUN = randomBytes(3).toString('hex');
const P = `i17s${RUN}`;
const NODE = `i17n${RUN}`;
const WEB = `${P}-web`;
const API = `${P}-api`;
const MCP = join(import.meta.dirname, '../../src/cli/main.js');
const AGENT = join(import.meta.dirname, '../../src/agent/main.js');

const component = (name: string, image: string) =>
  `[[components]]\nname = "${name}"\nimage = "${image}"\ncmd = ["httpd", "-f", "-p", "8080"]\n`;
const serviceText = (name: string, components: [string, string][]) =>
  `name = "${name}"\nnode = "${NODE}"\n\n${components.map(([c, image]) => component(c, image)).join('\n')}`;

interface Run {
  code: number | null;
  out: string;
  err: string;
}

describe('suspend and resume on a real agent, git server and podman', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-i17-suspend-'));
  const home = join(dir, 'home');
  const clone = join(home, 'services');
  let server: GitServer;
  let bare = '';
  let agent: ChildProcess | undefined;
  let address = '';

  const mcp = (args: string[], env: Record<string, string> = {}): Promise<Run> =>
    new Promise((resolve) => {
      const child = spawn(process.execPath, [MCP, ...args], {
        cwd: home,
        env: { PATH: process.env.PATH, HOME: home, NO_COLOR: '1', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
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

  const status = async (): Promise<StatusAnswer | undefined> => {
    const res = await fetch(`http://${address}/v1/status`, {
      headers: { authorization: 'Bearer viewer-token' },
    }).catch(() => undefined);
    return res?.ok ? ((await res.json()) as StatusAnswer) : undefined;
  };

  /** Waits until the agent's status satisfies `ok` (the agent's own passes, on podman's events). */
  const until = async (
    what: string,
    ok: (s: StatusAnswer) => boolean,
    ms = 60_000,
  ): Promise<StatusAnswer> => {
    const end = Date.now() + ms;
    for (;;) {
      const s = await status();
      if (s && ok(s)) return s;
      if (Date.now() > end) assert.fail(`${what}: not within ${ms} ms: ${JSON.stringify(s)}\n${agentLog()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  const agentLog = () => readFileSync(join(dir, 'agent.log'), 'utf8').split('\n').slice(-15).join('\n');

  const startAgent = async (): Promise<void> => {
    const log = openSync(join(dir, 'agent.log'), 'a');
    agent = spawn(process.execPath, [AGENT, 'run', '--config', join(dir, 'mcp-agent.toml')], {
      stdio: ['ignore', 'ignore', log],
    });
    closeSync(log);
    await until('the agent answers', () => true);
  };

  const stopAgent = async (): Promise<void> => {
    if (!agent || agent.exitCode !== null) return;
    const exited = new Promise((r) => agent?.on('exit', r));
    agent.kill('SIGTERM');
    await exited;
  };

  const heldMessage = (s: StatusAnswer): string =>
    s.lastPass?.errors.find((e) => e.code === 'SUSPENDED')?.message ?? '';

  const imageOf = (name: string) => podman('inspect', '--format', '{{.ImageName}}', name);

  const push = (files: Record<string, string>, message: string): string => {
    for (const [path, text] of Object.entries(files)) writeFileSync(join(clone, path), text);
    git(clone, 'commit', '-qam', message);
    // to the bare repository itself: a sync git call cannot reach this process's server
    git(clone, 'push', '-q', bare, 'main');
    return git(clone, 'rev-parse', 'HEAD');
  };

  before(async () => {
    await requirePodman();
    mkdirSync(join(home, '.config', 'mcp'), { recursive: true });
    ({ server, bare } = await servicesRepo(
      dir,
      {
        [`services/${WEB}.toml`]: serviceText(WEB, [
          ['main', IMAGE_V1],
          ['side', IMAGE_V1],
        ]),
        [`services/${API}.toml`]: serviceText(API, [['main', IMAGE_V1]]),
      },
      clone,
    ));
    address = `127.0.0.1:${await closedPort()}`;
    writeFileSync(
      join(dir, 'mcp-agent.toml'),
      `node = "${NODE}"\nstate_dir = "${dir}/state"\n[source]\nurl = "${server.url('services.git')}"\nbranch = "main"\ninterval = 3600\n` +
        `[podman]\nsocket = "${podmanSocket}"\nstop_timeout = 1\n[api]\nlisten = "${address}"\n` +
        `[[api.tokens]]\nname = "ops"\nsha256 = "${tokenDigest('ops-token')}"\nrole = "operate"\n` +
        `[[api.tokens]]\nname = "viewer"\nsha256 = "${tokenDigest('viewer-token')}"\nrole = "read"\n`,
    );
    writeFileSync(join(home, 'api.token'), 'ops-token\n');
    writeFileSync(
      join(home, '.config', 'mcp', 'mcp.toml'),
      `[services]\ndir = "${clone}"\nbranch = "main"\n\n[auth]\ntoken_path = "${join(home, 'api.token')}"\n\n` +
        `[[nodes]]\nname = "${NODE}"\naddress = "${address}"\n`,
    );
    await startAgent();
    const head = git(clone, 'rev-parse', 'HEAD');
    await until(
      'first pass converged',
      (s) => s.lastPass?.revision === head && s.lastPass.result === 'converged',
    );
  });

  after(async () => {
    await stopAgent();
    await server?.close();
    await removeContainers(`${P}-`);
    rmSync(dir, { recursive: true, force: true });
  });

  it('a suspended service is left as it is: drift and a new commit are held and shown; resume converges it in one pass', async () => {
    const suspended = await mcp(['suspend', WEB, '--reason', 'db migration']);
    assert.equal(suspended.code, 0, suspended.err);
    assert.match(
      suspended.out,
      new RegExp(`^${NODE}: service ${WEB} suspended since \\S+ by ops: db migration$`, 'm'),
    );
    assert.match(suspended.out, /: pass converged: 3 unchanged$/m, 'it waited for the pass that followed');

    await podman('rm', '-f', '-t', '0', `${WEB}-main`);
    const head = push(
      {
        [`services/${WEB}.toml`]: serviceText(WEB, [
          ['main', IMAGE_V2],
          ['side', IMAGE_V2],
        ]),
        [`services/${API}.toml`]: serviceText(API, [['main', IMAGE_V2]]),
      },
      'v2 everywhere',
    );
    const synced = await mcp(['sync']);
    assert.equal(synced.code, 0, synced.err);

    const s = await until('a pass at the new commit', (x) => x.lastPass?.revision === head);
    assert.equal(s.lastPass?.result, 'degraded', 'a suspension that holds something is not converged');
    assert.match(
      heldMessage(s),
      new RegExp(
        `^service ${WEB} suspended since .* by ops: db migration; holds create ${WEB}-main \\(drift\\), recreate ${WEB}-side until mcp resume$`,
      ),
    );
    const states = await containerStates(`${P}-`);
    assert.equal(states[`${WEB}-main`], undefined, 'the removed container is not recreated');
    assert.equal(await imageOf(`${WEB}-side`), IMAGE_V1, 'the changed component is not recreated');
    assert.equal(await imageOf(`${API}-main`), IMAGE_V2, 'the service not suspended converged');

    const shown = await mcp(['status']);
    assert.equal(shown.code, 4, shown.out + shown.err);
    assert.match(shown.out, /degraded/);
    assert.match(shown.out, /SUSPENDED/);
    assert.match(
      shown.out,
      new RegExp(`^${NODE}: service ${WEB} suspended since \\S+ by ops: db migration$`, 'm'),
    );
    const detail = await mcp(['status', WEB]);
    assert.equal(detail.code, 0, detail.err);
    assert.match(detail.out, /main\s+missing/);
    assert.match(detail.out, /skipped\s+\S+-main\s+suspended since .*\(held: create, /);

    const plan = await mcp(['plan', '--live']);
    assert.equal(plan.code, 2, plan.out + plan.err);
    assert.match(plan.out, new RegExp(`${WEB}-main`));
    assert.match(plan.out, new RegExp(`${WEB}-side`));
    assert.match(
      plan.err,
      new RegExp(`note: ${NODE}: service ${WEB} suspended since .*held until mcp resume`),
    );

    const resumed = await mcp(['resume', WEB]);
    assert.equal(resumed.code, 0, resumed.out + resumed.err);
    assert.match(
      resumed.out,
      new RegExp(
        `^${NODE}: service ${WEB} resumed \\(was suspended since \\S+ by ops: db migration\\)$`,
        'm',
      ),
    );
    assert.match(resumed.out, /: pass converged: 1 created, 1 recreated, 1 unchanged$/m);
    assert.equal(await imageOf(`${WEB}-main`), IMAGE_V2);
    assert.equal(await imageOf(`${WEB}-side`), IMAGE_V2);
  });

  it('a read token cannot suspend; a suspended node shows exit 6 while nothing is held, survives a restart of the agent, and resumes', async () => {
    const missing = await mcp(['suspend']);
    assert.equal(missing.code, 64, missing.err);
    assert.match(missing.err, /^mcp: missing argument/);
    const unknown = await mcp(['suspend', `${P}-nosuch`]);
    assert.equal(unknown.code, 66, unknown.err);
    assert.match(
      unknown.err,
      new RegExp(`^mcp: ${NODE} \\(.*\\): no service ${P}-nosuch on node ${NODE}$`, 'm'),
    );
    for (const r of [missing, unknown]) assert.doesNotMatch(r.err, /^\s+at /m, 'no stack trace');
    const refused = await mcp(['suspend', NODE], { MCP_TOKEN: 'viewer-token' });
    assert.equal(refused.code, 77, refused.out + refused.err);
    assert.deepEqual((await status())?.suspensions, []);

    const suspended = await mcp(['suspend', NODE, '--reason', 'kernel upgrade']);
    assert.equal(suspended.code, 0, suspended.err);
    assert.match(suspended.out, /: pass converged: 3 unchanged$/m, 'nothing differs: nothing held');
    const six = await mcp(['status']);
    assert.equal(six.code, 6, six.out + six.err);
    assert.match(
      six.out,
      new RegExp(`^${NODE}: node ${NODE} suspended since \\S+ by ops: kernel upgrade$`, 'm'),
    );

    await stopAgent();
    const restartedAt = new Date().toISOString();
    await startAgent();
    await until('a pass of the restarted agent', (s) => !!s.lastPass && s.lastPass.at > restartedAt);
    await podman('rm', '-f', '-t', '0', `${API}-main`);
    const held = await until('the removal seen and held', (s) =>
      heldMessage(s).includes(`create ${API}-main (drift)`),
    );
    assert.match(
      heldMessage(held),
      new RegExp(`^node ${NODE} suspended since .* by ops: kernel upgrade; holds `),
    );
    assert.equal((await containerStates(`${P}-`))[`${API}-main`], undefined, 'not recreated');
    const ps = await mcp(['ps']);
    assert.match(ps.out, new RegExp(`${WEB}-main\\s+running, suspended`));

    const resumed = await mcp(['resume', NODE]);
    assert.equal(resumed.code, 0, resumed.out + resumed.err);
    assert.match(resumed.out, /: pass converged: 1 created, 2 unchanged$/m);
    assert.equal((await containerStates(`${P}-`))[`${API}-main`], 'running');
    assert.deepEqual((await status())?.suspensions, []);
  });
});
