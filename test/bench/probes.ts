/**
 * Health probes, measured on the test podman in one run:
 * 1. a no-op pass over N containers that all have a `cmd` probe (healthy), against the same
 *    pass over N containers without probes: its time and its podman API calls (must be 0);
 * 2. a rollback: from the moment a bad spec's start_timeout runs out to the old spec serving
 *    again, against podman's own create+start (to first answer) of that container;
 * 3. the agent's CPU while 200 http probes run every 10 s (probing a server in another process).
 * Usage: node probes.js [N] (default 200).
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import Docker from 'dockerode';
import { dirSource } from '../../src/adapters/dir/source.js';
import { toCreateOptions } from '../../src/adapters/podman/create-options.js';
import { createPodmanRuntime } from '../../src/adapters/podman/runtime.js';
import { openRegistry } from '../../src/adapters/sqljs/registry.js';
import { HealthBoard, Prober, type ProbeTarget, probeHttp } from '../../src/agent/health/index.js';
import { reconcileOnce } from '../../src/agent/reconcile.js';
import { specHash } from '../../src/domain/hash.js';
import type { ComponentSpec } from '../../src/domain/spec.js';
import { silentLogger } from '../../src/log.js';
import { defaultOptions } from '../support/agent-harness.js';
import { closedPort } from '../support/net.js';
import { component } from '../support/plan-builders.js';
import { IMAGE_V1, IMAGE_V2, podmanSocket, removeContainers, requirePodman } from '../support/podman.js';
import { fmtMs, median, time } from './support.js';

const n = Number(process.argv[2] ?? 200);
const options = { ...defaultOptions, concurrency: 4, stopTimeoutSeconds: 1 };
const docker = new Docker({ socketPath: podmanSocket });

const until = async (check: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> => {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

const writeRepo = async (dir: string, files: [string, string][]) => {
  await rm(join(dir, 'services'), { recursive: true, force: true });
  await mkdir(join(dir, 'services'), { recursive: true });
  await Promise.all(files.map(([name, text]) => writeFile(join(dir, 'services', `${name}.toml`), text)));
};

/** The agent's core over the test podman and a directory source, with a health board. */
const agentCore = async (dir: string) => {
  const runtime = await createPodmanRuntime({ socketPath: podmanSocket, stopTimeoutSeconds: 1 });
  const store = await openRegistry();
  const board = new HealthBoard(store);
  const deps = {
    node: 'bprobe',
    source: dirSource(dir),
    runtimes: { container: runtime },
    store,
    log: silentLogger,
  };
  return { runtime, store, board, deps };
};

/**
 * `count` converged containers (prefix `pre`), with or without a cmd probe on each (all
 * healthy before it returns), and a no-op pass over them that counts podman calls.
 */
const noopCore = async (pre: string, count: number, probed: boolean) => {
  const dir = await mkdtemp(join(tmpdir(), 'mcp-bench-probes-'));
  await writeRepo(
    dir,
    Array.from({ length: count }, (_, i) => {
      const name = `${pre}-s${String(i).padStart(3, '0')}`;
      return [
        name,
        `name = "${name}"\nnode = "bprobe"\n[[components]]\nname = "c"\nimage = "${IMAGE_V1}"\ncmd = ["sleep", "3600"]\n` +
          (probed ? '[components.health]\ncmd = ["true"]\ninterval = 10\nretries = 1\n' : ''),
      ] as [string, string];
    }),
  );
  const { runtime, store, board, deps } = await agentCore(dir);
  await reconcileOnce({ ...deps, health: board }, options);
  if (probed) {
    const prober = new Prober(board, deps.runtimes, silentLogger, { firstDelayMs: 0, concurrency: 8 });
    prober.refresh();
    await until(
      () => board.targets().every((t) => board.state(t.name) === 'healthy'),
      300_000,
      'all healthy',
    );
    prober.close();
  }
  return {
    async pass() {
      const calls = runtime.apiCalls();
      const t0 = performance.now();
      const report = await reconcileOnce({ ...deps, health: board }, options);
      return { ms: performance.now() - t0, calls: runtime.apiCalls() - calls, result: report.status.result };
    },
    async close() {
      board.close();
      await runtime.close();
      store.close();
      await removeContainers(`${pre}-`);
      await rm(dir, { recursive: true, force: true });
    },
  };
};

/** No-op passes with and without probes, interleaved so neither gets the warmer process or the quieter podman. */
const noop = async (count: number) => {
  const probed = await noopCore('bpa', count, true);
  const bare = await noopCore('bpb', count, false);
  try {
    type Run = { ms: number; calls: number; result: string };
    const runs: { probed: Run[]; bare: Run[] } = { probed: [], bare: [] };
    for (let i = 0; i < 15; i++) {
      runs.probed.push(await probed.pass());
      runs.bare.push(await bare.pass());
    }
    const sum = (xs: Run[]) => ({
      ms: median(xs.map((p) => p.ms)),
      calls: Math.max(...xs.map((p) => p.calls)),
      result: xs.at(-1)!.result,
    });
    return { withProbes: sum(runs.probed), without: sum(runs.bare) };
  } finally {
    await probed.close();
    await bare.close();
  }
};

const serving = (port: number) => async () => (await probeHttp('127.0.0.1', port, '/', 500)) === undefined;

/** Time from the bad spec's start_timeout to the old spec answering again, and podman's create+start to first answer. */
const rollback = async () => {
  const port = await closedPort();
  const dir = await mkdtemp(join(tmpdir(), 'mcp-bench-rollback-'));
  const file = (listen: number, image: string): [string, string][] => [
    [
      'brb-app',
      `name = "brb-app"\nnode = "bprobe"\n[[components]]\nname = "main"\nimage = "${image}"\n` +
        `cmd = ["sh", "-c", "mkdir -p /www && echo ok > /www/index.html && exec httpd -f -h /www -p ${listen}"]\n` +
        `ports = ["127.0.0.1:${port}:8080"]\n[components.health]\nhttp = 8080\ninterval = 1\ntimeout = 1\nretries = 1\nstart_timeout = 2\n`,
    ],
  ];
  await writeRepo(dir, file(8080, IMAGE_V1));
  const { runtime, store, board, deps } = await agentCore(dir);
  const prober = new Prober(board, deps.runtimes, silentLogger, { firstDelayMs: 100 });
  let pending = Promise.resolve();
  const pass = () => {
    pending = pending.then(async () => {
      const report = await reconcileOnce({ ...deps, health: board }, options);
      prober.refresh();
      if (report.requeue) pass();
    });
    return pending;
  };
  board.onWake(() => void pass());
  try {
    await pass();
    await until(() => board.state('brb-app-main') === 'healthy', 60_000, 'v1 healthy');
    await writeRepo(dir, file(9090, IMAGE_V2));
    await pass();
    const record = board.record('brb-app-main')!;
    const timeoutAt = record.startedAt + 2000;
    await until(() => store.failedSpecs().size > 0, 60_000, 'rolled back');
    await until(serving(port), 60_000, 'v1 serving again');
    const recovered = Date.now() - timeoutAt;
    // podman's own create+start of the same container, to its first answer.
    const spec: ComponentSpec = store.lastHealthy().get('brb-app-main')!.spec;
    const floorPort = await closedPort();
    const floorSpec = { ...spec, service: 'brb-floor', ports: [{ ...spec.ports[0], hostPort: floorPort }] };
    const floor = await time(async () => {
      const c = await docker.createContainer(
        toCreateOptions({ spec: floorSpec, hash: specHash(floorSpec), routePorts: {} }),
      );
      await c.start();
      await until(serving(floorPort), 60_000, 'floor serving');
    });
    return { recovered, floor };
  } finally {
    prober.close();
    board.close();
    await pending.catch(() => {});
    await runtime.close();
    await removeContainers('brb-');
    await rm(dir, { recursive: true, force: true });
  }
};

/** Agent CPU (this process) while `count` http probes run every `intervalS` against a server in another process. */
const probeCpu = async (count: number, intervalS: number, windowS: number) => {
  const server = spawn(
    process.execPath,
    [
      '-e',
      "const s=require('http').createServer((q,r)=>r.end('ok')).listen(0,'127.0.0.1',()=>console.log(s.address().port))",
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  try {
    const port = Number(
      (await createInterface({ input: server.stdout! })[Symbol.asyncIterator]().next()).value,
    );
    const store = await openRegistry();
    const board = new HealthBoard(store);
    const health = {
      probe: { kind: 'http' as const, port: 8080, path: '/' },
      interval: intervalS,
      timeout: 5,
      retries: 3,
      startPeriod: 0,
      startTimeout: 300,
    };
    const targets: ProbeTarget[] = Array.from({ length: count }, (_, i) => {
      const spec = component('bcpu', `c${i}`, { health });
      return { name: `bcpu-c${i}`, spec, hash: specHash(spec), address: { host: '127.0.0.1', port } };
    });
    board.track(targets, new Set());
    let probes = 0;
    const counting = board.report.bind(board);
    board.report = (name, hash, error) => {
      probes++;
      counting(name, hash, error);
    };
    const prober = new Prober(board, {}, silentLogger, { firstDelayMs: 0 });
    prober.refresh();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, windowS * 1000));
    const used = process.cpuUsage(cpu0);
    const wall = performance.now() - t0;
    prober.close();
    board.close();
    const cpuMs = (used.user + used.system) / 1000;
    return { probes, cpuMs, wall, healthy: targets.every((t) => board.state(t.name) === 'healthy') };
  } finally {
    server.kill();
  }
};

await requirePodman();
await removeContainers('bp');
await removeContainers('brb-');
const { withProbes, without } = await noop(n);
console.log(`| no-op pass, ${n} containers | time (median of 15, interleaved) | podman API calls | result |`);
console.log('| --- | ---: | ---: | --- |');
console.log(
  `| a cmd probe on every container | ${fmtMs(withProbes.ms)} | ${withProbes.calls} | ${withProbes.result} |`,
);
console.log(`| no probes | ${fmtMs(without.ms)} | ${without.calls} | ${without.result} |`);
const rb = await rollback();
console.log(
  `\nrollback: old spec serving ${fmtMs(rb.recovered)} after the bad spec's start_timeout ran out;`,
);
console.log(`podman's own create+start of that container, to its first answer: ${fmtMs(rb.floor)}`);
const cpu = await probeCpu(200, 10, 30);
console.log(
  `\n200 http probes every 10 s for ${(cpu.wall / 1000).toFixed(0)} s: ${cpu.probes} probes, agent CPU ${fmtMs(cpu.cpuMs)} ` +
    `(${((cpu.cpuMs / cpu.wall) * 100).toFixed(2)} % of one core, ${(cpu.cpuMs / Math.max(1, cpu.probes)).toFixed(2)} ms per probe); all healthy: ${cpu.healthy}`,
);
