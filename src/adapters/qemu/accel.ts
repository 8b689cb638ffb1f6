/**
 * Which accelerator QEMU runs the VMs with. `auto` finds out whether KVM can really run a
 * guest: an open /dev/kvm proves nothing (some machines have one on which a guest never gets
 * past its first instructions at any useful pace, and `accel=kvm:tcg` does not fall back then).
 * So it boots a tiny guest (probe-guest.S: long mode, ten million loop iterations, a line on
 * the serial console) under KVM with a short deadline, and uses KVM only when that line comes.
 * What a probe finds is kept for the host boot (accel-cache.ts), so it runs once per boot.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Accel, AccelChoice, AccelSetting } from '../../domain/accel.js';
import type { AccelCache } from './accel-cache.js';
import { PROBE_MARKER, writeProbeGuest } from './probe-guest.js';
import { isAlive } from './process.js';

export type { Accel, AccelChoice, AccelSetting } from '../../domain/accel.js';

export interface AccelProbeOptions {
  setting: AccelSetting;
  /** The QEMU binary. */
  qemu: string;
  /** How long the probe guest has to print its line under KVM. */
  timeoutMs: number;
  /** The KVM device (tests point it elsewhere). */
  kvmDevice?: string;
  /** Aborts a running probe (the agent shuts down): its QEMU is killed, the choice is TCG. */
  signal?: AbortSignal;
  /** Where a probe's outcome is kept for this host boot; without one, `auto` always probes. */
  cache?: AccelCache;
  /** The probe (tests count its runs); default: boot the probe guest. */
  probe?: typeof probeGuestRuns;
}

/**
 * Resolves the setting to an accelerator: `auto` checks the KVM device, then takes the cached
 * decision of this host boot, else runs the probe and caches what it found (unless cancelled).
 * Never throws: a cache that cannot be read or written only means probing.
 */
export const chooseAccel = async (opts: AccelProbeOptions): Promise<AccelChoice> => {
  const { setting } = opts;
  if (setting !== 'auto') return configuredChoice(setting);
  const choice =
    (await unusableDevice(opts.kvmDevice ?? '/dev/kvm')) ??
    (await opts.cache?.read().catch(() => undefined)) ??
    (await probeKvm(opts));
  // Written for an operator to read too; failing to write it must not stop VMs.
  if (choice.source === 'cache' || opts.signal?.aborted || !opts.cache) return choice;
  return opts.cache.write(choice).catch(() => choice);
};

/** TCG, without a probe, when the KVM device cannot be opened for reading and writing. */
const unusableDevice = async (device: string): Promise<AccelChoice | undefined> => {
  try {
    await access(device, constants.R_OK | constants.W_OK);
    return undefined;
  } catch (err) {
    const reason = `${device} is not usable (${(err as NodeJS.ErrnoException).code})`;
    return { setting: 'auto', accel: 'tcg', reason, source: 'device' };
  }
};

/** Boots the probe guest under KVM: KVM when it prints its line in time, else TCG and why. */
const probeKvm = async (opts: AccelProbeOptions): Promise<AccelChoice> => {
  const started = Date.now();
  const probe = await (opts.probe ?? probeGuestRuns)(opts.qemu, 'kvm', opts.timeoutMs, opts.signal);
  const probeMs = Date.now() - started;
  return probe.ok
    ? {
        setting: 'auto',
        accel: 'kvm',
        reason: `a probe guest ran under KVM in ${probeMs} ms`,
        probeMs,
        source: 'probe',
      }
    : {
        setting: 'auto',
        accel: 'tcg',
        reason: `KVM cannot run a guest: ${probe.why}`,
        probeMs,
        source: 'probe',
      };
};

/** A configured accelerator, used as it is. */
export const configuredChoice = (setting: Accel): AccelChoice => ({
  setting,
  accel: setting,
  reason: `configured: accel = "${setting}"`,
});

export type ProbeResult = { ok: true } | { ok: false; why: string };

/** Boots the probe guest under `accel` alone; ok once its line is on the serial console (stdout). */
export const probeGuestRuns = async (
  qemu: string,
  accel: Accel,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<ProbeResult> => {
  // The owner's pid in the name: a later start sweeps what a killed agent left (sweepProbeDirs).
  const dir = await mkdtemp(join(tmpdir(), `${PROBE_DIR}${process.pid}-`));
  try {
    const image = join(dir, 'probe.img');
    await writeProbeGuest(image);
    return await runProbe(qemu, probeArgs(image, accel), timeoutMs, signal);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
};

const PROBE_DIR = 'mcp-accel-probe-';

/**
 * Removes the probe directories in `dir` (default the temporary directory) whose owner process
 * is gone: what an agent killed during its probe left behind. Those of live processes (another
 * agent probing now) are kept. Returns the paths removed.
 */
export const sweepProbeDirs = async (dir = tmpdir()): Promise<string[]> => {
  const names = await readdir(dir).catch(() => [] as string[]);
  const stale = names.filter((name) => {
    const pid = Number(/^mcp-accel-probe-(\d+)-/.exec(name)?.[1]);
    return Number.isInteger(pid) && pid > 0 && pid !== process.pid && !isAlive(pid);
  });
  await Promise.all(stale.map((name) => rm(join(dir, name), { recursive: true, force: true })));
  return stale.map((name) => join(dir, name));
};

/** The probe's QEMU command line: one accelerator (no fallback), the serial console on stdout. */
export const probeArgs = (image: string, accel: Accel): string[] => [
  '-machine',
  `q35,accel=${accel}`,
  '-m',
  '16',
  '-nodefaults',
  '-no-user-config',
  '-display',
  'none',
  '-no-reboot',
  '-serial',
  'stdio',
  '-drive',
  `file=${image},format=raw,if=ide,snapshot=on`,
];

/**
 * Runs the probe QEMU in a process group of its own, under coreutils' `timeout`, so that it dies
 * at the deadline even when the agent itself is killed meanwhile; the group is killed when
 * the probe ends for any reason.
 */
const runProbe = (
  qemu: string,
  args: string[],
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<ProbeResult> =>
  new Promise((resolve) => {
    const limit = String(Math.ceil(timeoutMs / 1000) + 5);
    const child = spawn('timeout', ['--signal=KILL', limit, qemu, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let out = '';
    let err = '';
    let done = false;
    const finish = (result: ProbeResult) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', abort);
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {}
      resolve(result);
    };
    const abort = () => finish({ ok: false, why: 'the probe was cancelled' });
    if (signal?.aborted) queueMicrotask(abort);
    signal?.addEventListener('abort', abort);
    const timer = setTimeout(
      () => finish({ ok: false, why: `the probe guest printed nothing within ${timeoutMs} ms` }),
      timeoutMs,
    );
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      if (out.includes(PROBE_MARKER)) finish({ ok: true });
    });
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString('utf8');
    });
    child.on('error', (e) => finish({ ok: false, why: `cannot run ${qemu}: ${e.message}` }));
    child.on('close', (code, sig) => {
      const tail = err.trim().split('\n').slice(-1)[0] ?? '';
      if (code === 126 || code === 127) return finish({ ok: false, why: `cannot run ${qemu}: ${tail}` });
      finish({
        ok: false,
        why: `qemu exited (${code ?? sig}) before the probe guest ran${tail ? `: ${tail}` : ''}`,
      });
    });
  });
