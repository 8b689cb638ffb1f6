/** Shared pieces of the benchmarks: timing, medians, child processes with their peak RSS. */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Wall time of `fn` in milliseconds. */
export const time = async (fn: () => Promise<unknown>): Promise<number> => {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
};

export interface ChildRun {
  code: number | null;
  ms: number;
  /** Peak resident set of the child in MB (VmHWM, sampled until it exits). */
  peakRssMb: number;
  stdout: string;
  /** What it wrote to stderr (its last lines say why it failed). */
  stderr: string;
}

/** Runs a command, timing it and sampling its peak RSS from /proc. */
export const runChild = (
  cmd: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<ChildRun> =>
  new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let peakKb = 0;
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const sample = setInterval(async () => {
      const status = await readFile(`/proc/${child.pid}/status`, 'utf8').catch(() => '');
      const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
      peakKb = Math.max(peakKb, kb);
    }, 20);
    const timer = opts.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs) : undefined;
    child.on('error', reject);
    child.on('exit', (code) => {
      clearInterval(sample);
      clearTimeout(timer);
      if (code !== 0 && process.env.BENCH_VERBOSE) process.stderr.write(stderr);
      resolve({ code, ms: performance.now() - t0, peakRssMb: peakKb / 1024, stdout, stderr });
    });
  });

export const fmtMs = (ms: number): string =>
  ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${ms.toFixed(ms < 10 ? 2 : 0)} ms`;

/** The built agent's entry point. */
export const agentMain = join(import.meta.dirname, '../../src/agent/main.js');

/**
 * How the agent's executable runs node, read from its shebang (`#!/usr/bin/env -S NAME=VALUE
 * node FLAGS`): the benchmarks start it as the systemd unit and a shell do, not with other flags.
 */
export const agentLaunch = (): { env: NodeJS.ProcessEnv; flags: string[]; text: string } => {
  const words = readFileSync(agentMain, 'utf8').split('\n', 1)[0].split(/\s+/);
  const vars = words.filter((w) => /^[A-Z_]+=/.test(w));
  const flags = words.filter((w) => w.startsWith('--'));
  return {
    env: { ...process.env, ...Object.fromEntries(vars.map((v) => v.split('=', 2))) },
    flags,
    text: [...vars, 'node', ...flags].join(' '),
  };
};

/**
 * What a client leaves podman idle: wraps a docker-modem's `dial` and, between `begin()` and
 * `end()`, adds up the time each of `slots` request slots waited for the client's next request
 * after it was freed (at `begin()` every slot is free), divided by `slots`, plus the time from
 * the last answer to `end()`. Slots freed when no request follows are not counted: with no
 * work left, a slot is idle for any client; an answer frees a slot only when fewer than `slots`
 * requests remain in flight. The floor's figure is its client's own scheduling (5-53 ms at
 * N = 10-50), so the agent's is its own time in a fresh converge, apart from podman's speed.
 */
export const slotIdle = (
  modem: { dial: (o: unknown, cb: (...a: unknown[]) => void) => unknown },
  slots: number,
) => {
  const dial = modem.dial.bind(modem);
  let on = false;
  let idle = 0;
  let lastAnswer = 0;
  let inFlight = 0;
  /** When each free slot was freed (slots minus the requests in flight, while on). */
  let free: number[] = [];
  modem.dial = (options, callback) => {
    if (!on) return dial(options, callback);
    const now = performance.now();
    const freed = free.shift();
    if (freed !== undefined) idle += now - freed;
    inFlight++;
    return dial(options, (...args: unknown[]) => {
      lastAnswer = performance.now();
      if (on && --inFlight < slots) free.push(lastAnswer);
      callback(...args);
    });
  };
  return {
    begin: () => {
      on = true;
      idle = 0;
      inFlight = 0;
      const now = performance.now();
      free = Array.from({ length: slots }, () => now);
      lastAnswer = now;
    },
    /** Idle slot-time per slot plus the tail, in ms. */
    end: (): number => {
      on = false;
      return idle / slots + (performance.now() - lastAnswer);
    },
  };
};
