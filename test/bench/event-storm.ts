/**
 * The event storm: a running agent creates N services (one container each) while podman's
 * events about its own creates and starts arrive. Reports the podman events the agent handled,
 * the CPU each cost (process.cpuUsage around the informer's handler, which includes the
 * agent's listeners: health board, ownership, pass reasons), the targeted lists they caused,
 * and the passes they triggered: every one is unnecessary, as the agent did these changes itself.
 * Runs what `mcp-agent run` runs (the loop, the health board, the store's listeners).
 * Usage: node event-storm.js [N]; needs the test podman (test/support/podman-up.sh).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PodmanRuntime } from '../../src/adapters/podman/runtime.js';
import { startAgentLoop } from '../../src/agent/daemon.js';
import { wireAgent } from '../../src/agent/runtime-wiring.js';
import { createLogger } from '../../src/log.js';
import type { RuntimeEvent } from '../../src/ports/instance-runtime.js';
import { loadAgentConfig } from '../../src/validate/agent-config.js';
import { IMAGE_V1, podmanSocket, removeContainers, requirePodman } from '../support/podman.js';
import { fmtMs } from './support.js';

const n = Number(process.argv[2] ?? 200);
const prefix = `es${(process.pid % 1000).toString(36)}-`;
const PORT_BASE = 20_000 + ((process.pid + 20) % 40) * 500;

await requirePodman();
const dir = await mkdtemp(join(tmpdir(), 'mcp-event-storm-'));
await mkdir(join(dir, 'services'));
for (let i = 0; i < n; i++) {
  const name = `${prefix}s${String(i).padStart(3, '0')}`;
  await writeFile(
    join(dir, 'services', `${name}.toml`),
    `name = "${name}"\nnode = "bench"\n[[components]]\nname = "web"\nimage = "${IMAGE_V1}"\n` +
      `cmd = ["httpd", "-f", "-p", "8080"]\nports = ["127.0.0.1:${PORT_BASE + i}:8080"]\n`,
  );
}
const configFile = join(dir, 'agent.toml');
await writeFile(
  configFile,
  `node = "bench"\nstate_dir = "${dir}/state"\n[source]\npath = "${dir}"\n[podman]\nsocket = "${podmanSocket}"\nstop_timeout = 2\n[qemu]\naccel = "tcg"\n[log]\nlevel = "error"\n`,
);

const cleanup = async () => {
  await removeContainers(prefix);
  await rm(dir, { recursive: true, force: true });
};
process.once('SIGINT', () => void cleanup().finally(() => process.exit(130)));

try {
  const config = await loadAgentConfig(configFile);
  const log = createLogger(config.log.level, 'agent', config.log.format);
  const agent = await wireAgent(config, log);
  const runtime = agent.deps.runtimes.container as PodmanRuntime;
  const unasked: string[] = [];
  const running = await startAgentLoop(config, agent, agent.options, log, {
    debounceMs: 0,
    onPass: (_report, reasons) => unasked.push(...reasons.filter((r) => r !== 'bench')),
  });

  // The informer's handler of one podman event, timed; the agent's listeners run inside it.
  const informer = (runtime as unknown as { informer: { onPodmanEvent: (e: { action: string }) => void } })
    .informer;
  const handle = informer.onPodmanEvent.bind(informer);
  const podmanEvents = new Map<string, number>();
  let handlerUs = 0;
  informer.onPodmanEvent = (event) => {
    const cpu = process.cpuUsage();
    handle(event);
    const used = process.cpuUsage(cpu);
    handlerUs += used.user + used.system;
    podmanEvents.set(event.action, (podmanEvents.get(event.action) ?? 0) + 1);
  };
  const delivered = new Map<string, number>();
  const off = runtime.onEvent((e: RuntimeEvent) => delivered.set(e.type, (delivered.get(e.type) ?? 0) + 1));
  const lists = () => runtime.apiCalls();

  await runtime.whenSynced(30_000);
  const calls0 = lists();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await running.loop.scheduler.trigger('bench');
  const passMs = performance.now() - t0;
  // The events of the last starts may come after the pass: wait until podman is quiet.
  let seen = -1;
  let events = -1;
  const total = () => [...podmanEvents.values()].reduce((a, b) => a + b, 0);
  while (seen !== lists() || events !== total()) {
    seen = lists();
    events = total();
    await new Promise((r) => setTimeout(r, 2000));
  }
  const cpu = process.cpuUsage(cpu0);
  const requests = lists() - calls0;
  off();
  await running.stop();
  await agent.close();

  const handled = total();
  console.log(
    `\n### Event storm (${n} creates by a running agent, ${new Date().toISOString().slice(0, 10)})\n`,
  );
  console.log('| figure | value |');
  console.log('| --- | ---: |');
  console.log(`| pass (creates and starts) | ${fmtMs(passMs)} |`);
  console.log(
    `| podman events handled | ${handled} (${[...podmanEvents].map(([k, v]) => `${k} ${v}`).join(', ')}) |`,
  );
  console.log(`| events told to the agent | ${[...delivered].map(([k, v]) => `${k} ${v}`).join(', ')} |`);
  console.log(
    `| CPU per event (handler and listeners) | ${handled ? (handlerUs / handled).toFixed(1) : '-'} µs |`,
  );
  console.log(`| CPU of the process, pass and events | ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms |`);
  console.log(
    `| podman requests (creates, starts, lists) | ${requests} (${2 * n} would be creates and starts alone) |`,
  );
  console.log(
    `| passes the events triggered | ${unasked.length}${unasked.length ? ` (${unasked.slice(0, 5).join(', ')})` : ''} |`,
  );
} finally {
  await cleanup();
}
