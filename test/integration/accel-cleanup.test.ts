/**
 * The accelerator probe of a real agent process: it runs only when a VM is about to be created
 * (an agent without a VM service probes nothing and its status says the accelerator is not
 * decided), and its temporary directory (`mcp-accel-probe-<pid>-*`) does not outlive the agent:
 * an agent stopped with SIGTERM while its probe runs removes it, and a start sweeps those of
 * dead agents (never those of a live one). The probe is made to hang deterministically: the KVM
 * device is a file of the test's, and the QEMU binary a script that answers `--version`, else
 * says the probe started and then waits; the VM's image is a stand-in (nothing boots); TMPDIR
 * is the test's own, so only its own directories are seen.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { tokenDigest } from '../../src/agent/api/auth.js';
import { startAgent } from '../support/agent-process.js';
import { podmanSocket, requirePodman } from '../support/podman.js';

const AGENT = join(import.meta.dirname, '../../src/agent/main.js');
const NODE = `accel${process.pid.toString(36)}`;
let dir = '';
const children: ChildProcess[] = [];

before(async () => {
  await requirePodman();
  dir = await mkdtemp(join(tmpdir(), 'mcp-accel-cleanup-'));
  await mkdir(join(dir, 'tmp'));
  await mkdir(join(dir, 'repo', 'services'), { recursive: true });
  await mkdir(join(dir, 'image'));
  await writeFile(join(dir, 'image', 'vmlinuz'), '');
  await writeFile(join(dir, 'kvm'), '');
  // The stand-in QEMU: tells its version; else marks that the probe runs, then hangs like a guest that never prints.
  await writeFile(
    join(dir, 'qemu'),
    `#!/bin/sh\nif [ "$1" = --version ]; then echo "QEMU emulator version 0.0.0-test"; exit 0; fi\n` +
      `touch "${dir}/probe-started"\nexec sleep 600\n`,
  );
  await chmod(join(dir, 'qemu'), 0o755);
});
after(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  spawnSync('pkill', ['-KILL', '-f', `${dir}/qemu`]);
  await rm(dir, { recursive: true, force: true });
});

/** An agent's config; `vm`: its repository has a VM service for it (else no service at all). */
const config = async (name: string, accel: string, vm = false): Promise<string> => {
  const path = join(dir, `${name}.toml`);
  const repo = join(dir, vm ? `repo-${name}` : 'repo');
  if (vm) {
    await mkdir(join(repo, 'services'), { recursive: true });
    await writeFile(
      join(repo, 'services', `${NODE}${name}.toml`),
      `name = "${NODE}${name}"\nnode = "${NODE}${name}"\n[[components]]\nname = "vm"\nkind = "unikernel"\n` +
        `image = "${dir}/image"\nmemory = 64\n`,
    );
  }
  await writeFile(
    path,
    `node = "${NODE}${name}"\nstate_dir = "${dir}/state-${name}"\n[source]\npath = "${repo}"\ninterval = 3600\n` +
      `[podman]\nsocket = "${podmanSocket}"\n[qemu]\nbinary = "${dir}/qemu"\naccel = "${accel}"\n` +
      `kvm_device = "${dir}/kvm"\nprobe_timeout = 300\n[api]\nlisten = "127.0.0.1:0"\n` +
      `[[api.tokens]]\nname = "ops"\nsha256 = "${tokenDigest('ops-token')}"\nrole = "operate"\n` +
      `[admission]\nallowed_image_roots = ["${dir}/image"]\n`,
  );
  return path;
};

const agent = (args: string[]): ChildProcess => {
  const child = spawn(process.execPath, [AGENT, ...args], {
    stdio: ['ignore', 'ignore', 'ignore'],
    env: { ...process.env, TMPDIR: join(dir, 'tmp') },
  });
  children.push(child);
  return child;
};

const exited = (child: ChildProcess): Promise<number | null> =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode);
    child.on('exit', (code) => resolve(code));
  });

const until = async (what: string, check: () => boolean, ms = 30_000): Promise<void> => {
  for (const end = Date.now() + ms; !check(); await new Promise((r) => setTimeout(r, 20)))
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
};

const probeDirs = async (): Promise<string[]> =>
  (await readdir(join(dir, 'tmp'))).filter((n) => n.startsWith('mcp-accel-probe-'));

test('an agent without a VM service probes nothing; its status says the accelerator is not decided', async () => {
  const a = await startAgent(await config('idle', 'auto'), 'ops-token', {
    ...process.env,
    TMPDIR: join(dir, 'tmp'),
  });
  try {
    const pass = await a.pass();
    assert.equal(pass.result, 'converged');
    const status = JSON.parse(await a.get('/v1/status'));
    assert.deepEqual(status.vm, {
      undecided: true,
      reason: 'not probed: no VM created since the agent started',
    });
    assert.equal(existsSync(join(dir, 'probe-started')), false, 'no probe QEMU ran');
    assert.deepEqual(await probeDirs(), [], 'no probe directory');
    assert.equal(
      existsSync(join(dir, 'state-idle', 'vms', 'accel.json')),
      false,
      'nothing decided, nothing cached',
    );
  } finally {
    a.kill();
  }
});

test('an agent stopped with SIGTERM while its probe runs leaves no probe directory behind', async () => {
  const child = agent(['run', '--config', await config('term', 'auto', true)]);
  await until('the probe to run (for the VM about to be created)', () =>
    existsSync(join(dir, 'probe-started')),
  );
  assert.deepEqual(
    (await probeDirs()).map((n) => n.startsWith(`mcp-accel-probe-${child.pid}-`)),
    [true],
    'the probe made its directory, named by its owner',
  );
  child.kill('SIGTERM');
  assert.equal(await exited(child), 0);
  assert.deepEqual(await probeDirs(), [], 'removed by the stop');
  assert.equal(
    existsSync(join(dir, 'state-term', 'vms', 'accel.json')),
    false,
    'a cancelled probe is not cached',
  );
});

test('a start sweeps the probe directories of dead agents and keeps those of live ones', async () => {
  const gone = spawnSync('true').pid!;
  await mkdir(join(dir, 'tmp', `mcp-accel-probe-${gone}-abc123`));
  await writeFile(join(dir, 'tmp', `mcp-accel-probe-${gone}-abc123`, 'probe.img'), 'x');
  const live = `mcp-accel-probe-${process.pid}-def456`;
  await mkdir(join(dir, 'tmp', live));
  const child = agent(['reconcile', '--once', '--config', await config('sweep', 'tcg')]);
  assert.equal(await exited(child), 0);
  assert.deepEqual(await probeDirs(), [live]);
});
