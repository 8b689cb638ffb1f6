/**
 * The running-agent side of the converge benchmark, in a process of its own so its peak RSS
 * is the agent's: one runtime, one registry, one source, then timed passes.
 * Usage: node agent-child.js REPO_DIR SOCKET STATE_FILE; prints one JSON line.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { dirSource } from '../../src/adapters/dir/source.js';
import { createPodmanRuntime } from '../../src/adapters/podman/runtime.js';
import { openRegistry } from '../../src/adapters/sqljs/registry.js';
import { type PassReport, reconcileOnce } from '../../src/agent/reconcile.js';
import { silentLogger } from '../../src/log.js';
import { defaultOptions } from '../support/agent-harness.js';
import { IMAGE_V1, IMAGE_V2 } from '../support/podman.js';
import { median } from './support.js';

const [repo, socketPath, stateFile, firstService] = process.argv.slice(2);
const runtime = await createPodmanRuntime({ socketPath, stopTimeoutSeconds: 2 });
const store = await openRegistry(stateFile);
const deps = {
  node: 'bench',
  source: dirSource(repo),
  runtimes: { container: runtime },
  store,
  log: silentLogger,
};
const options = { ...defaultOptions, retry: { retries: 2, delayMs: 200 } };

const pass = async (): Promise<{ ms: number; report: PassReport; calls: number }> => {
  const calls = runtime.apiCalls();
  const t0 = performance.now();
  const report = await reconcileOnce(deps, options);
  const ms = performance.now() - t0;
  if (report.status.result !== 'converged')
    throw new Error(`pass not converged: ${JSON.stringify(report.status)}`);
  return { ms, report, calls: runtime.apiCalls() - calls };
};

const fresh = await pass();
await new Promise((r) => setTimeout(r, 1500)); // let the event stream deliver the creations
const noops = [];
for (let i = 0; i < 7; i++) noops.push(await pass());
const file = join(repo, 'services', `${firstService}.toml`);
await writeFile(file, (await readFile(file, 'utf8')).replace(IMAGE_V1, IMAGE_V2));
const change = await pass();
await new Promise((r) => setTimeout(r, 1500));
const resyncs: number[] = [];
for (let i = 0; i < 3; i++) {
  const t0 = performance.now();
  await runtime.resync();
  await pass();
  resyncs.push(performance.now() - t0);
}
await runtime.close();
console.log(
  JSON.stringify({
    freshMs: fresh.ms,
    created: fresh.report.changes?.counts.created,
    noopMs: median(noops.map((n) => n.ms)),
    noopApiCalls: Math.max(...noops.map((n) => n.calls)),
    changeMs: change.ms,
    recreated: change.report.changes?.counts.recreated,
    resyncMs: median(resyncs),
    peakRssMb: process.resourceUsage().maxRSS / 1024,
  }),
);
