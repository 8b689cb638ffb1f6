/**
 * Unikernel VMs: MCP's QEMU runtime against QEMU started by hand with the same command line,
 * in the same run, on the stand-in guest (test/support/guest-image.sh). Measured: create +
 * start until the guest answers HTTP on its forwarded port, for the first VM after a host boot
 * (a fresh state directory: no accelerator decision cached, so it includes the decision, a
 * probe where the KVM device opens) apart from a VM of a restarted runtime in the same state
 * directory (the decision cached); a restarted agent's re-attach (opening the runtime and
 * observing); one observe of N running VMs; QEMU's RSS per guest.
 * `node dist/test/bench/vm.js [runs] [N]` (defaults 3 and 4).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bootImage } from '../../src/adapters/qemu/image.js';
import { createQemuRuntime, type QemuRuntime } from '../../src/adapters/qemu/runtime.js';
import { vmArgs } from '../../src/adapters/qemu/vm-args.js';
import { specHash } from '../../src/domain/hash.js';
import type { ComponentSpec } from '../../src/domain/spec.js';
import { closedPort } from '../support/net.js';
import { component } from '../support/plan-builders.js';

const GUEST = process.env.MCP_GUEST_DIR ?? '/var/lib/mcp-test/guest';
const runs = Number(process.argv[2] ?? 3);
const n = Number(process.argv[3] ?? 4);
const dir = mkdtempSync(join(tmpdir(), 'mcp-bench-vm-'));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const spec = (name: string, port: number): ComponentSpec =>
  component(name, 'vm', {
    kind: 'unikernel',
    image: GUEST,
    memory: 128,
    cpus: 1,
    ports: [{ hostIp: '127.0.0.1', hostPort: port, containerPort: 8080, protocol: 'tcp' }],
  });
const answers = async (port: number): Promise<void> => {
  for (;;) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(1000) })).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 50));
  }
};
const rssMb = (pid: number) =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

/** Create + start on a new runtime over `state` (as a restarted agent would) until HTTP answers; ms and how the accelerator was decided. */
const mcpBootOnce = async (state: string, name: string, kvmDevice?: string) => {
  const rt: QemuRuntime = await createQemuRuntime({ dir: state, ...(kvmDevice && { kvmDevice }) });
  const port = await closedPort();
  const s = spec(name, port);
  const t0 = performance.now();
  const id = await rt.create({ spec: s, hash: specHash(s), routePorts: {} });
  const createMs = performance.now() - t0;
  await rt.start(id);
  await answers(port);
  const ms = performance.now() - t0;
  const choice = await rt.accelerator();
  await rt.remove(id);
  await rt.close();
  return { ms, createMs, choice };
};

/** The accelerator MCP decides for `kvmDevice`, learnt from its first boot of that set-up. */
const decidedAccel = new Map<string | undefined, 'kvm' | 'tcg'>();
const accelFor = (kvmDevice?: string): 'kvm' | 'tcg' => decidedAccel.get(kvmDevice) ?? 'tcg';

/** QEMU by hand: the command line MCP would build, spawned directly, until HTTP answers. */
let bareRuns = 0;
const bareBootOnce = async (accel: 'kvm' | 'tcg'): Promise<number> => {
  const bareDir = join(dir, `bare-${bareRuns++}`);
  mkdirSync(bareDir);
  const port = await closedPort();
  const b = spec(`b${bareRuns}`, port);
  const args = vmArgs({ spec: b, hash: 'x', routePorts: {} }, await bootImage(GUEST), bareDir, accel);
  const t0 = performance.now();
  const qemu = spawn('qemu-system-x86_64', args, { stdio: 'ignore' });
  await answers(port);
  const ms = performance.now() - t0;
  qemu.kill('SIGKILL');
  await new Promise((resolve) => qemu.on('exit', resolve));
  return ms;
};

/**
 * One case's samples: each MCP boot is paired at once with a boot by hand, so the load drifts
 * little within a pair; which of the two goes first alternates, so neither always follows the other's clean-up.
 */
const pairs = () => ({
  mcp: [] as number[],
  bare: [] as number[],
  ratio: [] as number[],
  create: [] as number[],
});
type Pairs = ReturnType<typeof pairs>;
const pairOnce = async (into: Pairs, state: string, name: string, kvmDevice?: string) => {
  const bareFirst = into.mcp.length % 2 === 1;
  // The accelerator by hand is the one MCP decides: known before its boot when the pair starts by hand.
  const before = bareFirst ? await bareBootOnce(accelFor(kvmDevice)) : undefined;
  const boot = await mcpBootOnce(state, name, kvmDevice);
  const bare = before ?? (await bareBootOnce(boot.choice.accel));
  decidedAccel.set(kvmDevice, boot.choice.accel);
  into.mcp.push(boot.ms);
  into.bare.push(bare);
  into.ratio.push(boot.ms / bare);
  into.create.push(boot.createMs);
  return boot;
};

/**
 * Two set-ups: this host's KVM device as it is (where there is none, the decision needs no
 * probe and nothing is cached), and /dev/null as the KVM device: it opens read-write, so a real
 * probe guest is booted under KVM and what it finds is cached (the path of a host with a KVM).
 */
const setups = [
  { name: 'this host (/dev/kvm)', kvmDevice: undefined },
  { name: 'real probe (KVM device /dev/null)', kvmDevice: '/dev/null' },
].map((x) => ({ ...x, first: pairs(), warm: pairs(), decided: new Set<string>(), accel: '' }));
for (let r = 0; r < runs; r++) {
  for (const [k, setup] of setups.entries()) {
    const state = join(dir, `mcp-${k}-${r}`);
    const first = await pairOnce(setup.first, state, `m${k}${r}`, setup.kvmDevice);
    const warm = await pairOnce(setup.warm, state, `w${k}${r}`, setup.kvmDevice);
    setup.decided.add(`first ${first.choice.source}, then ${warm.choice.source}`);
    setup.accel = `${warm.choice.accel} (${first.choice.reason})`;
  }
}

const fleet = join(dir, 'fleet');
const rt = await createQemuRuntime({ dir: fleet });
const ids: string[] = [];
for (let i = 0; i < n; i++) {
  const s = spec(`f${i}`, 18700 + i);
  ids.push(await rt.create({ spec: s, hash: specHash(s), routePorts: {} }));
  await rt.start(ids[i]);
}
await Promise.all(ids.map((_, i) => answers(18700 + i)));
const pids = ids.map((_, i) => Number(readFileSync(join(fleet, `f${i}-vm`, 'qemu.pid'), 'utf8')));
const rss = pids.map(rssMb);
const observe: number[] = [];
for (let r = 0; r < 20; r++) {
  const t0 = performance.now();
  await rt.observe([], [GUEST]);
  observe.push(performance.now() - t0);
}
await rt.close();
const t0 = performance.now();
const again = await createQemuRuntime({ dir: fleet });
const running = (await again.observe([], [])).instances.filter((i) => i.state === 'running').length;
const reattach = performance.now() - t0;
for (const id of ids) await again.remove(id);
await again.close();
rmSync(dir, { recursive: true, force: true });

const row = (what: string, p: Pairs) =>
  `| ${what} | ${median(p.mcp).toFixed(0)} ms | ${median(p.bare).toFixed(0)} ms | ${median(p.ratio).toFixed(2)}x | ${median(p.create).toFixed(1)} ms |`;
console.log(
  `unikernel VMs on the stand-in guest; ${runs} pairs per row, each MCP boot paired at once with a boot by hand, in alternating order; medians (MCP/bare: the median of the pairs' ratios):\n`,
);
console.log(
  '| create + start until HTTP answers | MCP QEMU runtime | QEMU by hand, same command line | MCP/bare | of which create (record + accelerator decision) |',
);
console.log('| --- | ---: | ---: | ---: | ---: |');
for (const x of setups) {
  console.log(row(`${x.name}: first VM after a boot (empty state directory)`, x.first));
  console.log(row(`${x.name}: a restarted runtime, same boot and state directory`, x.warm));
}
for (const x of setups) console.log(`\n${x.name}: ${x.accel}; decided: ${[...x.decided].join('; ')}`);
console.log(
  `\nwith ${n} VMs running: observe ${median(observe).toFixed(2)} ms (median of 20, no QMP call); ` +
    `a restarted agent re-attaches to ${running} of ${n} in ${reattach.toFixed(1)} ms; ` +
    `QEMU RSS per guest ${Math.min(...rss).toFixed(0)}-${Math.max(...rss).toFixed(0)} MB at -m 128`,
);
