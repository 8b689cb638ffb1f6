/**
 * Supervising a detached QEMU process: is it alive, and stopping it in escalating steps
 * (ACPI power-down through QMP, then QMP quit, then SIGKILL).
 */
import { readFileSync } from 'node:fs';
import { qmp } from './qmp.js';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A process that exists and is not a zombie (a killed QEMU its parent has not reaped yet is dead). */
export const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
};

/**
 * Stops QEMU `pid`: ACPI power-down on its QMP `socket` and `timeoutSeconds` for the guest to
 * go, then QMP quit, then SIGKILL. Resolves once the process is gone (or 2 s after SIGKILL).
 */
export const shutdownQemu = async (pid: number, socket: string, timeoutSeconds: number): Promise<void> => {
  const gone = async (ms: number) => {
    for (const until = Date.now() + ms; Date.now() < until; await sleep(50)) if (!isAlive(pid)) return true;
    return !isAlive(pid);
  };
  if (timeoutSeconds > 0) await qmp(socket, [{ execute: 'system_powerdown' }]).catch(() => undefined);
  if (await gone(timeoutSeconds * 1000)) return;
  await qmp(socket, [{ execute: 'quit' }]).catch(() => undefined);
  if (!(await gone(2000))) process.kill(pid, 'SIGKILL');
  await gone(2000);
};
