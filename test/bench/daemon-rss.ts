/**
 * The resident memory of the agent as a node runs it: `mcp-agent run` with its API server,
 * metrics, notifications, file watcher and loader thread, under the node flags of its shebang
 * (which the systemd unit repeats). The converge benchmark's running agent is the pass alone
 * (test/bench/agent-child.ts); this is the whole daemon. For N single-container services
 * (busybox httpd, no published port): peak RSS during the first, fresh converge; RSS once idle
 * after it (the loader thread has ended); peak RSS over both. Usage: node daemon-rss.js [N,...]
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { IMAGE_V1, podmanSocket, removeContainers, requirePodman } from '../support/podman.js';
import { agentLaunch, agentMain, fmtMs } from './support.js';

const sizes = (process.argv[2] ?? '200').split(',').map(Number);
/** How long the agent is left idle after converging before its RSS is read. */
const IDLE_MS = 5000;

const status = async (pid: number): Promise<{ rssMb: number; hwmMb: number }> => {
  const text = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(text)?.[1] ?? 0);
  return { rssMb: kb('VmRSS') / 1024, hwmMb: kb('VmHWM') / 1024 };
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
  try {
    const fresh = await converged;
    if (fresh.line.result !== 'converged') throw new Error(`first pass: ${JSON.stringify(fresh.line)}`);
    const freshPeak = (await status(child.pid!)).hwmMb;
    await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
    const idle = await status(child.pid!);
    return { n, freshMs: fresh.ms, freshPeakMb: freshPeak, idleMb: idle.rssMb, peakMb: idle.hwmMb };
  } finally {
    child.kill('SIGTERM');
    await exited;
    await removeContainers(prefix);
    await rm(dir, { recursive: true, force: true });
  }
};

await requirePodman();
const launch = agentLaunch();
const rows = [];
for (const n of sizes) rows.push(await benchOne(n, launch));
console.log(`\n### The running agent's memory (mcp-agent run, ${launch.text})\n`);
console.log('| N | first converge | RSS peak during it | RSS idle after it | RSS peak |');
console.log('| ---: | ---: | ---: | ---: | ---: |');
for (const r of rows)
  console.log(
    `| ${r.n} | ${fmtMs(r.freshMs)} | ${r.freshPeakMb.toFixed(0)} MB | ${r.idleMb.toFixed(0)} MB | ${r.peakMb.toFixed(0)} MB |`,
  );
