/**
 * The disaster-recovery runbook's figures (docs/operations.md): a real `mcp-agent run` on the
 * test podman with N services (busybox httpd, a tcp probe each), started after each kind of
 * loss, timed from the process's start to its first converged pass, with what it did.
 * Usage: node recovery.js [N]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { IMAGE_V1, podmanSocket, removeContainers, requirePodman } from '../support/podman.js';
import { agentLaunch, agentMain, fmtMs } from './support.js';

const n = Number(process.argv[2] ?? 20);
const node = `rec${process.pid}`;
const launch = agentLaunch();
const dir = await mkdtemp(join(tmpdir(), 'mcp-bench-recovery-'));
const state = join(dir, 'state');
const backup = join(dir, 'registry.backup.db');

interface Outcome {
  ms: number;
  passes: number;
  counts: Record<string, number>;
}

/** Starts the agent and resolves at its first converged pass; `during` runs once it has converged. */
const runAgent = (during?: () => Promise<void>): Promise<Outcome> =>
  new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child: ChildProcess = spawn(
      process.execPath,
      [...launch.flags, agentMain, 'run', '--config', join(dir, 'mcp-agent.toml')],
      { env: launch.env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const counts: Record<string, number> = {};
    let passes = 0;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('no converged pass within 5 minutes'));
    }, 300_000);
    child.on('exit', (code) => {
      if (code !== 0 && code !== null && passes === 0) reject(new Error(`agent exited ${code}`));
    });
    createInterface({ input: child.stderr! }).on('line', async (text) => {
      let line: { result?: string; counts?: Record<string, number> } = {};
      try {
        line = JSON.parse(text);
      } catch {
        return;
      }
      if (!line.result || !line.counts) return;
      passes++;
      for (const [k, v] of Object.entries(line.counts))
        if (k !== 'unchanged') counts[k] = (counts[k] ?? 0) + v;
      if (line.result !== 'converged') return;
      const ms = performance.now() - t0;
      clearTimeout(timer);
      await during?.();
      child.kill('SIGTERM');
      child.once('exit', () => resolve({ ms, passes, counts }));
    });
  });

await requirePodman();
await mkdir(join(dir, 'services'), { recursive: true });
for (let i = 0; i < n; i++) {
  const name = `${node}-s${String(i).padStart(2, '0')}`;
  await writeFile(
    join(dir, 'services', `${name}.toml`),
    `name = "${name}"\nnode = "${node}"\n[[components]]\nname = "web"\nimage = "${IMAGE_V1}"\n` +
      `cmd = ["httpd", "-f", "-p", "8080"]\nports = ["127.0.0.1:${31000 + i}:8080"]\n` +
      `health = { tcp = 8080, interval = 1 }\n`,
  );
}
await writeFile(
  join(dir, 'mcp-agent.toml'),
  `node = "${node}"\nstate_dir = "${state}"\n[source]\npath = "${dir}"\ninterval = 30\n` +
    `[podman]\nsocket = "${podmanSocket}"\nstop_timeout = 2\n[qemu]\naccel = "tcg"\n[log]\nlevel = "info"\nformat = "json"\n` +
    `[api]\nlisten = "127.0.0.1:0"\n`,
);

const rows: [string, string, Outcome][] = [];
try {
  rows.push(['a new node: nothing runs, no state', 'start the agent', await runAgent()]);
  rows.push([
    'agent restart or upgrade: state and instances intact',
    'start the agent (a backup of registry.db is copied while it runs)',
    await runAgent(() => copyFile(join(state, 'registry.db'), backup)),
  ]);
  await rm(state, { recursive: true, force: true });
  rows.push([
    'state directory lost, instances running',
    'start the agent on an empty state_dir',
    await runAgent(),
  ]);
  await rm(state, { recursive: true, force: true });
  await mkdir(state, { mode: 0o700 });
  await copyFile(backup, join(state, 'registry.db'));
  rows.push([
    'state directory restored from the backup',
    'copy registry.db back, start the agent',
    await runAgent(),
  ]);
  await removeContainers(`${node}-`);
  rows.push(['every container lost (podman storage reset)', 'start the agent', await runAgent()]);
} finally {
  await removeContainers(`${node}-`);
  await rm(dir, { recursive: true, force: true });
}

const said = (c: Record<string, number>) =>
  Object.entries(c)
    .filter(([, v]) => v > 0)
    .map(([k, v]) => `${v} ${k}`)
    .join(', ') || 'nothing';
console.log(
  `\n### Recovery (${n} services with a tcp probe each, ${new Date().toISOString().slice(0, 10)})\n`,
);
console.log('| situation | what you do | start to converged | passes | what the agent did |');
console.log('| --- | --- | ---: | ---: | --- |');
for (const [what, how, o] of rows)
  console.log(`| ${what} | ${how} | ${fmtMs(o.ms)} | ${o.passes} | ${said(o.counts)} |`);
