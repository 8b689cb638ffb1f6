/**
 * The running-agent side of the converge benchmark, in a process of its own so its peak RSS
 * is the agent's. It runs what `mcp-agent run` runs per pass: the agent wired from its
 * configuration (worker loader, admission, activity record), the loop with its health board,
 * prober and runtime-event listener, the store's listeners (notifications, metrics) and the
 * directory watch; only the API server is left out, and passes are asked for by the benchmark
 * (no debounce). A pass is timed from the trigger to its end.
 * Usage: node agent-child.js CONFIG FIRST_SERVICE_FILE [--fresh-only]; prints one JSON line.
 * With --fresh-only it stops after the fresh converge (the benchmark's further rounds).
 */
import { readFile, writeFile } from 'node:fs/promises';
import type { PodmanRuntime } from '../../src/adapters/podman/runtime.js';
import { startAgentLoop } from '../../src/agent/daemon.js';
import type { PassReport } from '../../src/agent/reconcile.js';
import { wireAgent } from '../../src/agent/runtime-wiring.js';
import { createLogger } from '../../src/log.js';
import { loadAgentConfig } from '../../src/validate/agent-config.js';
import { IMAGE_V1, IMAGE_V2 } from '../support/podman.js';
import { median, slotIdle } from './support.js';

const [configFile, firstFile, only] = process.argv.slice(2);
const config = await loadAgentConfig(configFile);
const log = createLogger(config.log.level, 'agent', config.log.format);
const agent = await wireAgent(config, log);
const runtime = agent.deps.runtimes.container as PodmanRuntime;

/** Passes the benchmark did not ask for (an event or a timer asked), by reason. */
const unasked: string[] = [];
let last: PassReport | undefined;
const running = await startAgentLoop(config, agent, agent.options, log, {
  debounceMs: 0,
  onPass: (report, reasons) => {
    last = report;
    unasked.push(...reasons.filter((r) => r !== 'bench'));
  },
});

/** podman requests by method and path kind, so the report says what the agent asked besides the floor's. */
const calls = new Map<string, number>();
const modem = (
  runtime as unknown as { client: { api: { modem: { dial: (o: unknown, cb: unknown) => unknown } } } }
).client.api.modem;
const dial = modem.dial.bind(modem);
modem.dial = (options, callback) => {
  const o = options as { method?: string; path?: string };
  const path = (o.path ?? '').replace(/\?.*$/, '').replace(/[0-9a-f]{64}/g, 'ID');
  const key = `${o.method} ${path}`;
  calls.set(key, (calls.get(key) ?? 0) + 1);
  return dial(options, callback);
};

const pass = async (): Promise<{ ms: number; report: PassReport; calls: number; cpuMs: number }> => {
  const before = runtime.apiCalls();
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  await running.loop.scheduler.trigger('bench');
  const ms = performance.now() - t0;
  const used = process.cpuUsage(cpu);
  const report = last!;
  if (report.status.result !== 'converged') {
    const why = new Set(
      report.changes?.results.filter((r) => r.reason).map((r) => `${r.outcome}: ${r.reason}`),
    );
    throw new Error(
      `pass not converged: ${JSON.stringify(report.status)}; ${[...why].slice(0, 5).join('; ')}`,
    );
  }
  return { ms, report, calls: runtime.apiCalls() - before, cpuMs: (used.user + used.system) / 1000 };
};

/** Waits until podman's events about what the pass did have been handled (no request for a while). */
const quiet = async (): Promise<void> => {
  let seen = -1;
  while (seen !== runtime.apiCalls()) {
    seen = runtime.apiCalls();
    await new Promise((r) => setTimeout(r, 1500));
  }
};

/** What the agent leaves podman's four request slots idle in its fresh converge (its own time). */
const idle = slotIdle(modem, 4);
await runtime.whenSynced(30_000);
idle.begin();
const fresh = await pass();
const freshIdleMs = idle.end();
const freshCalls = Object.fromEntries([...calls].sort((a, b) => b[1] - a[1]));

/** Everything after the fresh converge: no-ops, one change, resyncs. */
const afterFresh = async (): Promise<Record<string, unknown>> => {
  await quiet();
  const noops = [];
  // 100 in a row: the first 25 right after the fresh converge (code the converge did not run is
  // not optimised yet, and its garbage is still being collected), the last 25 a steady state.
  for (let i = 0; i < 100; i++) noops.push(await pass());
  const first = noops.slice(0, 25);
  const steady = noops.slice(-25);
  await writeFile(firstFile, (await readFile(firstFile, 'utf8')).replace(IMAGE_V1, IMAGE_V2));
  const change = await pass();
  await quiet();
  const resyncs: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    await runtime.resync();
    await pass();
    resyncs.push(performance.now() - t0);
  }
  return {
    freshMs: fresh.ms,
    freshCpuMs: fresh.cpuMs,
    freshApiCalls: fresh.calls,
    freshIdleMs,
    freshCalls,
    created: fresh.report.changes?.counts.created,
    noopMs: median(first.map((n) => n.ms)),
    noopCpuMs: median(first.map((n) => n.cpuMs)),
    noopSteadyMs: median(steady.map((n) => n.ms)),
    noopSteadyCpuMs: median(steady.map((n) => n.cpuMs)),
    noopApiCalls: Math.max(...noops.map((n) => n.calls)),
    changeMs: change.ms,
    recreated: change.report.changes?.counts.recreated,
    resyncMs: median(resyncs),
    unaskedPasses: unasked,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
  };
};

const report =
  only === '--fresh-only'
    ? { freshMs: fresh.ms, freshApiCalls: fresh.calls, freshIdleMs }
    : await afterFresh();
await running.stop();
await agent.close();
console.log(JSON.stringify(report));
