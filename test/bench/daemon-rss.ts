/**
 * The resident memory of the agent as a node runs it: `mcp-agent run` with its API server,
 * metrics, notifications, file watcher and loader thread, under the node flags of its shebang
 * (which the systemd unit repeats). The converge benchmark's running agent is the pass alone
 * (test/bench/agent-child.ts); this is the whole daemon. For N single-container services
 * (busybox httpd, no published port): peak RSS during the first, fresh converge; RSS once idle
 * after it (the loader thread has ended); peak RSS over both. RSS is also split into what is
 * the agent's own (anonymous memory: heaps, sql.js, buffers; its peak sampled every 100 ms) and
 * the pages of the node binary and libraries (file-backed, shared with every node process), and
 * a bare node under the same flags is measured beside it, and so are the agent's parts alone
 * (parts-child.ts), the floor of what a daemon built from them can be resident with.
 * Usage: node daemon-rss.js [N,...]
 */
import { spawn } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { IMAGE_V1, podmanSocket, removeContainers, requirePodman } from '../support/podman.js';
import { agentLaunch, agentMain, fmtMs } from './support.js';

const sizes = (process.argv[2] ?? '200').split(',').map(Number);
/** How long the agent is left idle after converging before its RSS is read. */
const IDLE_MS = 5000;

interface Status {
  rssMb: number;
  hwmMb: number;
  anonMb: number;
  fileMb: number;
}

const status = async (pid: number): Promise<Status> => {
  const text = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(text)?.[1] ?? 0);
  return {
    rssMb: kb('VmRSS') / 1024,
    hwmMb: kb('VmHWM') / 1024,
    anonMb: kb('RssAnon') / 1024,
    fileMb: kb('RssFile') / 1024,
  };
};

/** A bare node under the agent's launch line, idle: what every node process is resident with. */
const bareNode = async (launch: ReturnType<typeof agentLaunch>): Promise<Status> => {
  const child = spawn(process.execPath, [...launch.flags, '-e', 'setTimeout(() => {}, 60_000)'], {
    env: launch.env,
    stdio: 'ignore',
  });
  try {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    return await status(child.pid!);
  } finally {
    child.kill('SIGKILL');
  }
};

/**
 * The agent's parts alone under its launch line (parts-child.ts: podman client after a full
 * list of the N containers, the registry opened from a copy of the agent's, winston,
 * prom-client, an HTTP server), idle as long as the agent was: the memory floor of this design.
 */
const partsFloor = async (launch: ReturnType<typeof agentLaunch>, registry: string): Promise<Status> => {
  const child = spawn(
    process.execPath,
    [...launch.flags, join(import.meta.dirname, 'parts-child.js'), podmanSocket, registry],
    { env: launch.env, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  try {
    const ready = new Promise<void>((resolve, reject) => {
      child.on('exit', (code) => reject(new Error(`parts-child exited (${code}) before it was ready`)));
      createInterface({ input: child.stdout! }).on('line', (line) => line === 'ready' && resolve());
    });
    await ready;
    await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
    return await status(child.pid!);
  } finally {
    child.kill('SIGKILL');
  }
};

const benchOne = async (n: number, launch: ReturnType<typeof agentLaunch>) => {
  const prefix = `drss${n}-`;
  const dir = await mkdtemp(join(tmpdir(), `mcp-daemon-rss-${n}-`));
  await mkdir(join(dir, 'services'), { recursive: true });
  for (let i = 0; i < n; i++) {
    const name = `${prefix}s${String(i).padStart(3, '0')}`;
    await writeFile(
      join(dir, 'services', `${name}.toml`),
      `name = "${name}"\nnode = "drss"\n[[components]]\nname = "web"\nimage = "${IMAGE_V1}"\ncmd = ["httpd", "-f", "-p", "8080"]\n`,
    );
  }
  const config = join(dir, 'mcp-agent.toml');
  await writeFile(
    config,
    `node = "drss"\nstate_dir = "${dir}/state"\n[source]\npath = "${dir}"\n[podman]\nsocket = "${podmanSocket}"\nstop_timeout = 1\n` +
      `[qemu]\naccel = "tcg"\n[api]\nlisten = "127.0.0.1:0"\n`,
  );
  await removeContainers(prefix);
  const t0 = performance.now();
  const child = spawn(process.execPath, [...launch.flags, agentMain, 'run', '--config', config], {
    env: launch.env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  const said: string[] = [];
  const converged = new Promise<{ ms: number; line: Record<string, unknown> }>((resolve, reject) => {
    void exited.then((code) =>
      reject(new Error(`the agent exited (${code}) before converging: ${said.slice(-5).join('\n')}`)),
    );
    createInterface({ input: child.stderr }).on('line', (text) => {
      said.push(text);
      try {
        const line = JSON.parse(text);
        if (typeof line.result === 'string' && Array.isArray(line.reasons))
          resolve({ ms: performance.now() - t0, line });
      } catch {}
    });
  });
  let anonPeakMb = 0;
  const sampler = setInterval(() => {
    void status(child.pid!).then((s) => {
      anonPeakMb = Math.max(anonPeakMb, s.anonMb);
    });
  }, 100);
  try {
    const fresh = await converged;
    if (fresh.line.result !== 'converged') throw new Error(`first pass: ${JSON.stringify(fresh.line)}`);
    const freshPeak = (await status(child.pid!)).hwmMb;
    await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
    const idle = await status(child.pid!);
    const copy = join(dir, 'parts-registry.db');
    await copyFile(join(dir, 'state', 'registry.db'), copy);
    const parts = await partsFloor(launch, copy);
    return { n, freshMs: fresh.ms, freshPeakMb: freshPeak, peakMb: idle.hwmMb, idle, anonPeakMb, parts };
  } finally {
    clearInterval(sampler);
    child.kill('SIGTERM');
    await exited;
    await removeContainers(prefix);
    await rm(dir, { recursive: true, force: true });
  }
};

await requirePodman();
const launch = agentLaunch();
const bare = await bareNode(launch);
const rows = [];
for (const n of sizes) rows.push(await benchOne(n, launch));
const mb = (x: number) => `${x.toFixed(0)} MB`;
console.log(`\n### The running agent's memory (mcp-agent run, ${launch.text})\n`);
console.log(
  '| N | first converge | RSS peak during it | RSS idle after it | RSS peak | own (anonymous) peak / idle | node binary and libraries (file) idle |',
);
console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
console.log(
  `| bare node, idle | - | - | ${mb(bare.rssMb)} | ${mb(bare.hwmMb)} | - / ${mb(bare.anonMb)} | ${mb(bare.fileMb)} |`,
);
for (const r of rows) {
  console.log(
    `| ${r.n}, the agent's parts alone (parts-child.js), idle | - | - | ${mb(r.parts.rssMb)} | ${mb(r.parts.hwmMb)} | - / ${mb(r.parts.anonMb)} | ${mb(r.parts.fileMb)} |`,
  );
  console.log(
    `| ${r.n} | ${fmtMs(r.freshMs)} | ${mb(r.freshPeakMb)} | ${mb(r.idle.rssMb)} | ${mb(r.peakMb)} | ${mb(r.anonPeakMb)} / ${mb(r.idle.anonMb)} | ${mb(r.idle.fileMb)} |`,
  );
}
