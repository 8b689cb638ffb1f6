/**
 * How soon a running agent acts on an edit of its source directory: a real `mcp-agent run`
 * (launched as its shebang launches it) following a directory of N single-container services,
 * converged; then a comment is written into one service file, and the time from that write to
 * the end of the pass it triggers is read from GET /v1/status. Nothing changes in podman, so
 * what is timed is the agent's own: the file watch, the 100 ms debounce, the revision load,
 * the plan and the pass. A directory of at most 32 KiB (N up to some 170 here) loads in the
 * agent's own thread; a larger one in the loader thread, which edits 3 s apart find ended (it
 * ends after 2 s idle) and have to boot, and edits 0.5 s apart find up.
 * Usage: node source-edit.js [N]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { tokenDigest } from '../../src/agent/api/auth.js';
import { closedPort } from '../support/net.js';
import { IMAGE_V1, podmanSocket, removeContainers, requirePodman } from '../support/podman.js';
import { agentLaunch, agentMain, median } from './support.js';

const n = Number(process.argv[2] ?? 10);
const EDITS = 9;
const TOKEN = 'source-edit-bench';
const prefix = `sedit${process.pid % 1000}-`;

const serviceText = (i: number, comment = '') =>
  `${comment}name = "${prefix}s${i}"\nnode = "sedit"\n[[components]]\nname = "web"\nimage = "${IMAGE_V1}"\n` +
  `cmd = ["httpd", "-f", "-p", "8080"]\n`;

await requirePodman();
const dir = await mkdtemp(join(tmpdir(), 'mcp-source-edit-'));
const address = `127.0.0.1:${await closedPort()}`;
await mkdir(join(dir, 'services'));
const file = (i: number) => join(dir, 'services', `${prefix}s${i}.toml`);
for (let i = 0; i < n; i++) await writeFile(file(i), serviceText(i));
await writeFile(
  join(dir, 'mcp-agent.toml'),
  `node = "sedit"\nstate_dir = "${dir}/state"\n[source]\npath = "${dir}"\ninterval = 3600\n` +
    `[podman]\nsocket = "${podmanSocket}"\nstop_timeout = 1\n[qemu]\naccel = "tcg"\n[log]\nlevel = "error"\n` +
    `[api]\nlisten = "${address}"\n[[api.tokens]]\nname = "bench"\n` +
    `sha256 = "${tokenDigest(TOKEN)}"\nrole = "read"\n`,
);

const lastPass = async (): Promise<{ at: string; result: string } | undefined> => {
  const res = await fetch(`http://${address}/v1/status`, {
    headers: { authorization: `Bearer ${TOKEN}` },
  }).catch(() => undefined);
  return res?.ok ? ((await res.json()) as { lastPass?: { at: string; result: string } }).lastPass : undefined;
};

/** Writes a comment into the first file; resolves with the ms until the pass after it ended. */
const edit = async (k: number): Promise<number> => {
  const before = (await lastPass())?.at;
  const t0 = performance.now();
  await writeFile(file(0), serviceText(0, `# edit ${k}\n`));
  for (;;) {
    const pass = await lastPass();
    if (pass && pass.at !== before) {
      if (pass.result !== 'converged') throw new Error(`the pass after edit ${k} was ${pass.result}`);
      return performance.now() - t0;
    }
    if (performance.now() - t0 > 30_000) throw new Error(`no pass within 30 s of edit ${k}`);
    await sleep(5);
  }
};

const launch = agentLaunch();
let agent: ChildProcess | undefined;
try {
  await removeContainers(prefix);
  agent = spawn(
    process.execPath,
    [...launch.flags, agentMain, 'run', '--config', join(dir, 'mcp-agent.toml')],
    {
      env: launch.env,
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  const started = performance.now();
  while ((await lastPass())?.result !== 'converged') {
    if (performance.now() - started > 120_000) throw new Error('the agent did not converge within 120 s');
    await sleep(100);
  }
  const cold: number[] = [];
  const warm: number[] = [];
  for (let k = 0; k < EDITS; k++) {
    await sleep(3000);
    cold.push(await edit(k));
  }
  for (let k = 0; k < EDITS; k++) {
    await sleep(500);
    warm.push(await edit(EDITS + k));
  }
  const fmt = (xs: number[]) =>
    `${median(xs).toFixed(0)} ms (${Math.min(...xs).toFixed(0)}-${Math.max(...xs).toFixed(0)})`;
  console.log(`| N | edit to pass end, edits 3 s apart | 0.5 s apart | the debounce |`);
  console.log(`| ---: | ---: | ---: | ---: |`);
  console.log(`| ${n} | ${fmt(cold)} | ${fmt(warm)} | 100 ms |`);
  console.log(`\n${EDITS} edits each, median (min-max); 3 s and 0.5 s apart.`);
} finally {
  if (agent && agent.exitCode === null) {
    const exited = new Promise((resolve) => agent?.on('exit', resolve));
    agent.kill('SIGTERM');
    await exited;
  }
  await removeContainers(prefix);
  await rm(dir, { recursive: true, force: true });
}
