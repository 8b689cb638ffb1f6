/**
 * kill -9 of a reconciling agent at 12 chosen points of its passes, while the desired state
 * keeps changing: the next pass must always converge, with no duplicate and no leftover
 * container. The points are chosen, not left to timing: a gate in front of the podman socket
 * holds the k-th change request of a pass (before podman does it, or after podman did it but
 * before the agent hears back) and the agent is killed while it waits there.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, type TestContext, test } from 'node:test';
import {
  containerStates,
  IMAGE_V1,
  IMAGE_V2,
  podman,
  podmanSocket,
  removeContainers,
  requirePodman,
} from '../support/podman.js';
import { type GatePoint, type PodmanGate, podmanGate } from '../support/podman-gate.js';

/** Names and node unique to this run. */
const P = `crash${process.pid.toString(36)}`;
const AGENT = join(import.meta.dirname, '../../src/agent/main.js');
let dir = '';

before(async () => {
  await requirePodman();
  await removeContainers(`${P}-`);
  dir = await mkdtemp(join(tmpdir(), 'mcp-crash-'));
  await writeFile(
    join(dir, 'mcp-agent.toml'),
    [
      `node = "${P}node"`,
      `state_dir = "${dir}/state"`,
      `[source]\npath = "${dir}/repo"`,
      `[podman]\nsocket = "${join(dir, 'podman.sock')}"\nstop_timeout = 1`,
      '[qemu]\naccel = "tcg"',
      '[log]\nlevel = "error"',
    ].join('\n'),
  );
});
after(async () => {
  await removeContainers(`${P}-`);
  await rm(dir, { recursive: true, force: true });
});

/** Variant v of the desired state: images flip, one service comes and goes, so passes recreate and prune. */
const desired = (v: number): Record<string, string> => {
  const services: Record<string, string> = {};
  for (let i = 0; i < 6; i++) {
    if (i === 5 && v % 3 === 2) continue;
    services[`${P}-s${i}`] = i % 2 === v % 2 ? IMAGE_V1 : IMAGE_V2;
  }
  return services;
};

const writeRepo = async (services: Record<string, string>): Promise<void> => {
  await rm(join(dir, 'repo'), { recursive: true, force: true });
  await mkdir(join(dir, 'repo', 'services'), { recursive: true });
  for (const [name, image] of Object.entries(services)) {
    const deps = name.endsWith('s0') ? '[]' : `["${P}-s0"]`;
    await writeFile(
      join(dir, 'repo', 'services', `${name}.toml`),
      `name = "${name}"\nnode = "${P}node"\ndepends_on = ${deps}\n[[components]]\nname = "main"\nimage = "${image}"\ncmd = ["httpd", "-f", "-p", "8080"]\n`,
    );
  }
};

const spawnAgent = () =>
  spawn(process.execPath, [AGENT, 'reconcile', '--once', '--config', join(dir, 'mcp-agent.toml')], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });

/** One pass to its end; its exit code. */
const runAgent = (t: TestContext): Promise<number | null> => {
  const child = spawnAgent();
  t.after(() => child.kill('SIGKILL'));
  return new Promise((resolve) => child.on('exit', resolve));
};

/**
 * One pass, killed where the gate holds its `k`-th change at `point`; the request it was
 * killed at, or undefined when the pass made fewer than `k` changes and finished.
 */
const killedAt = async (
  t: TestContext,
  gate: PodmanGate,
  k: number,
  point: GatePoint,
): Promise<string | undefined> => {
  const held = gate.arm(k, point);
  const child = spawnAgent();
  t.after(() => child.kill('SIGKILL'));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const first = await Promise.race([held, exited.then((code) => `exit ${code}`)]);
  gate.disarm();
  if (first.startsWith('exit ')) {
    t.diagnostic(`the pass finished (${first}) before its change ${k}`);
    return undefined;
  }
  child.kill('SIGKILL');
  await exited;
  return first;
};

/** Kill points: changes 1 to 4 of a pass, before and after podman does each (12 kills, 1.5 rounds). */
const KILLS = 12;

test('a pass killed at 12 chosen points always ends converged with no duplicates', async (t) => {
  const gate = await podmanGate(podmanSocket, join(dir, 'podman.sock'));
  t.after(() => gate.close());
  const kills: string[] = [];
  let passes = 0;
  for (; kills.length < KILLS && passes < 40; passes++) {
    await writeRepo(desired(passes));
    const started = Date.now();
    const at = await killedAt(t, gate, 1 + (passes % 4), passes % 2 === 0 ? 'before' : 'after');
    t.diagnostic(`pass ${passes}: ${at ? `killed at ${at}` : 'finished'} after ${Date.now() - started} ms`);
    if (at) kills.push(at);
  }
  t.diagnostic(`${kills.length} kills in ${passes} passes`);
  assert.equal(kills.length, KILLS, `killed at: ${kills.join(', ')}`);
  assert.ok(kills.some((k) => k.includes('/create')) && kills.some((k) => k.includes('/start')));
  assert.ok(
    kills.some((k) => k.startsWith('DELETE')),
    `killed at: ${kills.join(', ')}`,
  );
  const final = desired(20);
  await writeRepo(final);
  assert.equal(await runAgent(t), 0, 'final pass did not converge');

  const states = await containerStates(`${P}-`);
  assert.deepEqual(
    Object.keys(states).sort(),
    Object.keys(final)
      .map((n) => `${n}-main`)
      .sort(),
  );
  assert.ok(
    Object.values(states).every((s) => s === 'running'),
    JSON.stringify(states),
  );
  for (const [name, image] of Object.entries(final)) {
    assert.equal(await podman('inspect', '--format', '{{.ImageName}}', `${name}-main`), image);
  }
  assert.equal(await runAgent(t), 0, 'a further pass is a no-op that still converges');
});
