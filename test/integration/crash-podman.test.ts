/**
 * kill -9 of a reconciling agent at random points, 20 times, while the desired state keeps
 * changing: the next pass must always converge, with no duplicate and no leftover container.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  containerStates,
  IMAGE_V1,
  IMAGE_V2,
  podman,
  podmanSocket,
  removeContainers,
  requirePodman,
} from '../support/podman.js';

const P = 'crash';
const AGENT = join(import.meta.dirname, '../../src/agent/main.js');
let dir = '';

before(async () => {
  await requirePodman();
  await removeContainers(`${P}-`);
  dir = await mkdtemp(join(tmpdir(), 'mcp-crash-'));
  await writeFile(
    join(dir, 'mcp-agent.toml'),
    [
      'node = "crashnode"',
      `state_dir = "${dir}/state"`,
      `[source]\npath = "${dir}/repo"`,
      `[podman]\nsocket = "${podmanSocket}"\nstop_timeout = 1`,
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
      `name = "${name}"\nnode = "crashnode"\ndepends_on = ${deps}\n[[components]]\nname = "main"\nimage = "${image}"\ncmd = ["httpd", "-f", "-p", "8080"]\n`,
    );
  }
};

const runAgent = (killAfterMs?: number): Promise<number | null> =>
  new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [AGENT, 'reconcile', '--once', '--config', join(dir, 'mcp-agent.toml')],
      {
        stdio: ['ignore', 'ignore', 'inherit'],
      },
    );
    const timer =
      killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });

/** A small deterministic PRNG, so a failing run can be replayed from its seed. */
const prng = (seed: number) => () => {
  seed = (seed * 1103515245 + 12345) % 2 ** 31;
  return seed / 2 ** 31;
};

test('a pass killed at random points 20 times always ends converged with no duplicates', async () => {
  const seed = Number(process.env.MCP_CRASH_SEED ?? Date.now() % 100000);
  const random = prng(seed);
  let killed = 0;
  for (let i = 0; i < 20; i++) {
    await writeRepo(desired(i));
    if ((await runAgent(Math.floor(300 + random() * 1500))) === null) killed++;
  }
  assert.ok(killed >= 10, `only ${killed} of 20 passes were killed before finishing (seed ${seed})`);
  const final = desired(20);
  await writeRepo(final);
  assert.equal(await runAgent(), 0, `final pass did not converge (seed ${seed})`);

  const states = await containerStates(`${P}-`);
  assert.deepEqual(
    Object.keys(states).sort(),
    Object.keys(final)
      .map((n) => `${n}-main`)
      .sort(),
    `seed ${seed}`,
  );
  assert.ok(
    Object.values(states).every((s) => s === 'running'),
    `seed ${seed}: ${JSON.stringify(states)}`,
  );
  for (const [name, image] of Object.entries(final)) {
    assert.equal(
      await podman('inspect', '--format', '{{.ImageName}}', `${name}-main`),
      image,
      `seed ${seed}`,
    );
  }
  assert.equal(await runAgent(), 0, 'a further pass is a no-op that still converges');
});
