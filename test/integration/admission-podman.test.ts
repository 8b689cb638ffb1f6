/**
 * Hardening against the real podman: a commit that mounts the podman socket (directly or
 * through a link under an allowed root) is rejected before anything is created, while the
 * last good revision keeps running; network modes `none` and `host` run and stay unchanged;
 * and the daemon survives an exception thrown outside every promise.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, afterEach, before, describe, it } from 'node:test';
import { reconcileOnce } from '../../src/agent/reconcile.js';
import { type Agent, wireAgent } from '../../src/agent/runtime-wiring.js';
import { silentLogger } from '../../src/log.js';
import { parseAgentConfig } from '../../src/validate/agent-config.js';
import { defaultOptions } from '../support/agent-harness.js';
import {
  containerStates,
  IMAGE_V1,
  podman,
  podmanSocket,
  removeContainers,
  requirePodman,
} from '../support/podman.js';

/** Names and nodes unique to this run. */
const P = `adm${process.pid.toString(36)}`;
let dir = '';

before(async () => {
  await requirePodman();
  await removeContainers(`${P}-`);
  dir = await mkdtemp(join(tmpdir(), 'i8a-admission-'));
  await mkdir(join(dir, 'repo', 'services'), { recursive: true });
  await mkdir(join(dir, 'srv'));
  await symlink(podmanSocket, join(dir, 'srv', 'data.sock'));
});
after(async () => {
  await removeContainers(`${P}-`);
  await rm(dir, { recursive: true, force: true });
});

const service = (name: string, extra = '', cmd = '["httpd", "-f", "-p", "8080"]') =>
  writeFile(
    join(dir, 'repo', 'services', `${P}-${name}.toml`),
    `name = "${P}-${name}"\nnode = "${P}node"\n[[components]]\nname = "main"\nimage = "${IMAGE_V1}"\n` +
      `cmd = ${cmd}\n${extra}`,
  );

const configText = (admission: string) =>
  `node = "${P}node"\nstate_dir = "${dir}/state"\n[source]\npath = "${dir}/repo"\n` +
  `[podman]\nsocket = "${podmanSocket}"\nstop_timeout = 1\n[admission]\n${admission}`;

const wire = async (admission: string): Promise<Agent> => {
  const file = join(dir, 'mcp-agent.toml');
  await writeFile(file, configText(admission));
  return wireAgent(parseAgentConfig(file, configText(admission)), silentLogger);
};

const pass = (agent: Agent) => reconcileOnce(agent.deps, { ...defaultOptions, stopTimeoutSeconds: 1 });

describe('admission on the real podman', () => {
  // Each test starts from an empty repository and none of this run's containers.
  afterEach(async () => {
    await rm(join(dir, 'repo', 'services'), { recursive: true, force: true });
    await mkdir(join(dir, 'repo', 'services'));
    await removeContainers(`${P}-`);
  });

  it('rejects a revision mounting the podman socket whole: nothing of it is created, the last good keeps running', async () => {
    // Roots wide enough to hold the socket: the rule that stops it is the file type, links followed.
    const agent = await wire(`allowed_volume_roots = ["${dir}/srv", "/run"]\n`);
    try {
      await service('ok');
      const first = await pass(agent);
      assert.equal(first.status.result, 'converged', JSON.stringify(first.status.errors));
      assert.deepEqual(await containerStates(`${P}-`), { [`${P}-ok-main`]: 'running' });

      await service('sock', `volumes = ["${podmanSocket}:/run/podman.sock"]\n`);
      await service('link', `volumes = ["${dir}/srv/data.sock:/run/podman.sock"]\n`);
      const second = await pass(agent);
      assert.equal(second.status.result, 'degraded');
      assert.deepEqual(
        second.status.errors.map((e) => `${e.code} ${e.message.split(' (policy')[0]}`),
        [
          `POLICY_VIOLATION services/${P}-link.toml:7:12 components[0].volumes[0]: volume source '${dir}/srv/data.sock' (resolves to ${podmanSocket}) is a socket`,
          `POLICY_VIOLATION services/${P}-sock.toml:7:12 components[0].volumes[0]: volume source '${podmanSocket}' is a socket`,
        ],
      );
      assert.match(second.status.errors[0].message, /\(policy: never_special\)$/);
      assert.deepEqual(await containerStates(`${P}-`), { [`${P}-ok-main`]: 'running' });
    } finally {
      await agent.close();
    }
  });

  it('holds a narrowed policy against the last good revision too: nothing of it is applied again, nothing removed', async () => {
    await mkdir(join(dir, 'srv', 'data'), { recursive: true });
    const wide = await wire(`allowed_volume_roots = ["${dir}/srv"]\n`);
    try {
      await service('data', `volumes = ["${dir}/srv/data:/data"]\n`);
      await service('plain');
      const first = await pass(wide);
      assert.equal(first.status.result, 'converged', JSON.stringify(first.status.errors));
    } finally {
      await wide.close();
    }
    await podman('rm', '-f', `${P}-data-main`);
    const narrow = await wire('allowed_volume_roots = ["/srv"]\n');
    try {
      const second = await pass(narrow);
      assert.equal(second.status.result, 'failed', 'no revision the policy admits: nothing applied');
      const messages = second.status.errors.map((e) => `${e.code} ${e.message.split(' (policy')[0]}`);
      assert.ok(
        messages.includes(
          `POLICY_VIOLATION last good revision breaks the admission policy now: services/${P}-data.toml components[0].volumes[0]: volume source '${dir}/srv/data' is outside the allowed roots (/srv)`,
        ),
        messages.join('\n'),
      );
      assert.deepEqual(
        await containerStates(`${P}-`),
        { [`${P}-plain-main`]: 'running' },
        'the forbidden mount is not brought back; the rest is left running',
      );
    } finally {
      await narrow.close();
    }
  });

  it('resolves a volume source again right before the create: one turned into a link out of the roots since admission is not created, and what ran keeps running', async () => {
    const agent = await wire(`allowed_volume_roots = ["${dir}/srv"]\n`);
    const data = join(dir, 'srv', 'data');
    const outside = join(dir, 'outside');
    await mkdir(data, { recursive: true });
    await mkdir(outside, { recursive: true });
    try {
      await service('vol', `volumes = ["${data}:/data"]\n`);
      const first = await pass(agent);
      assert.equal(first.status.result, 'converged', JSON.stringify(first.status.errors));
      const before = JSON.parse(await podman('inspect', `${P}-vol-main`))[0].Id;

      // A new spec, admitted while data is a directory; the link appears between admission and
      // the create (here: while the image is ensured, the last step before it), a moment the test owns.
      await service('vol', `volumes = ["${data}:/data"]\nenv = ["V=2"]\n`);
      const runtime = agent.deps.runtimes.container;
      const swap = new Proxy(runtime, {
        get(target, prop) {
          if (prop === 'ensureImage')
            return async (...args: Parameters<typeof target.ensureImage>) => {
              await rm(data, { recursive: true, force: true });
              await symlink(outside, data);
              return target.ensureImage(...args);
            };
          const value = Reflect.get(target, prop);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
      const second = await reconcileOnce(
        { ...agent.deps, runtimes: { ...agent.deps.runtimes, container: swap } },
        { ...defaultOptions, stopTimeoutSeconds: 1 },
      );
      const result = second.changes?.results.find((r) => r.name === `${P}-vol-main`);
      assert.equal(result?.outcome, 'failed', JSON.stringify(second.changes?.results));
      assert.equal(result?.error?.code, 'POLICY_VIOLATION');
      assert.match(
        result?.error?.message ?? '',
        new RegExp(`not created: .*'${data}' \\(resolves to ${outside}\\) is outside the allowed roots`),
      );
      assert.equal(second.status.result, 'degraded');
      assert.equal(
        JSON.parse(await podman('inspect', `${P}-vol-main`))[0].Id,
        before,
        'the old instance keeps running',
      );
      assert.deepEqual(await containerStates(`${P}-`), { [`${P}-vol-main`]: 'running' });
    } finally {
      await agent.close();
      await rm(data, { recursive: true, force: true });
    }
  });

  it("runs network 'none' by default and 'host' where listed, and the next pass changes nothing", async () => {
    const agent = await wire('allowed_networks = ["none", "host"]\n');
    try {
      await service('none', 'network = "none"\n');
      await service('host', 'network = "host"\n', '["sleep", "3600"]');
      const first = await pass(agent);
      assert.equal(first.status.result, 'converged', JSON.stringify(first.status.errors));
      assert.deepEqual(await containerStates(`${P}-`), {
        [`${P}-host-main`]: 'running',
        [`${P}-none-main`]: 'running',
      });
      const second = await pass(agent);
      assert.equal(second.status.result, 'converged');
      // Only this test's instances: the shared podman may hold other engineers' managed containers.
      assert.deepEqual(
        (second.changes?.results ?? [])
          .filter((r) => r.name.startsWith(`${P}-`))
          .map((r) => `${r.name} ${r.outcome}`),
        [`${P}-host-main unchanged`, `${P}-none-main unchanged`],
      );
    } finally {
      await agent.close();
    }
  });
});

describe('the daemon survives an error thrown outside every promise', () => {
  it('logs an injected uncaught exception and unhandled rejection, and keeps answering', async (t) => {
    const config = join(dir, 'guard.toml');
    await writeFile(
      config,
      `node = "${P}guard"\nstate_dir = "${dir}/guard-state"\n[source]\npath = "${dir}/repo"\ninterval = 3600\n` +
        `[podman]\nsocket = "${podmanSocket}"\n[api]\nlisten = "127.0.0.1:0"\n`,
    );
    const inject = new URL('../support/inject-throw.js', import.meta.url).href;
    const agentMain = join(import.meta.dirname, '../../src/agent/main.js');
    const child = spawn(process.execPath, ['--import', inject, agentMain, 'run', '--config', config], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    t.after(() => {
      if (child.exitCode === null) child.kill('SIGKILL');
    });
    const seen: Record<string, unknown>[] = [];
    let api = '';
    const done = new Promise<void>((resolve, reject) => {
      child.on('exit', (code) =>
        reject(new Error(`the agent exited (${code}): ${JSON.stringify(seen.slice(-3))}`)),
      );
      createInterface({ input: child.stderr! }).on('line', (text) => {
        let line: Record<string, unknown>;
        try {
          line = JSON.parse(text);
        } catch {
          return;
        }
        seen.push(line);
        if (line.message === 'agent started') {
          api = String(line.api);
          process.kill(child.pid!, 'SIGUSR2'); // the injected module throws on this signal
        }
        const kinds = seen
          .filter((l) => l.message === 'uncaught error; the agent keeps running')
          .map((l) => l.kind);
        if (kinds.includes('exception') && kinds.includes('rejection')) resolve();
      });
    });
    await done;
    const health = await fetch(`${api}/v1/health`);
    assert.equal(health.status, 200);
    assert.equal(child.exitCode, null);
    child.kill('SIGTERM');
  });
});
