/**
 * The boot deadline of a VM: QEMU answering on QMP only proves QEMU runs, not the guest. A
 * guest shows a sign of life by writing to its serial console; one that stays silent past the
 * deadline is killed and its start fails with BOOT_TIMEOUT, so it is never reported running.
 */
import { stat } from 'node:fs/promises';
import { McpError } from '../../domain/errors.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** True once the console file has any output. */
export const hasSignOfLife = async (consoleLog: string): Promise<boolean> =>
  ((await stat(consoleLog).catch(() => undefined))?.size ?? 0) > 0;

export interface BootWatch {
  name: string;
  consoleLog: string;
  deadlineMs: number;
  /** The accelerator, for the message. */
  accel: string;
  /** False once QEMU has gone (then waiting longer is pointless). */
  alive(): boolean;
  /** Kills QEMU; called when the deadline passes. */
  kill(): Promise<void>;
}

/** Waits for the guest's first console output; kills QEMU and throws BOOT_TIMEOUT without it. */
export const awaitSignOfLife = async (watch: BootWatch, pollMs = 100): Promise<void> => {
  const until = Date.now() + watch.deadlineMs;
  for (;;) {
    if (await hasSignOfLife(watch.consoleLog)) return;
    if (!watch.alive())
      throw new McpError('RUNTIME', `qemu for ${watch.name} exited before its guest wrote to the console`, {
        name: watch.name,
      });
    if (Date.now() >= until) break;
    await sleep(pollMs);
  }
  await watch.kill();
  throw new McpError(
    'BOOT_TIMEOUT',
    `VM ${watch.name} showed no sign of life within ${watch.deadlineMs / 1000} s (empty console, accel ${watch.accel}); QEMU was killed`,
    { name: watch.name, deadlineMs: watch.deadlineMs, accel: watch.accel },
  );
};
