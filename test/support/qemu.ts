/** QEMU helpers for tests: find the QEMU processes a test started, to check and to kill them. */
import { execFileSync } from 'node:child_process';

/** Pids of the QEMU processes whose command line mentions `path` (a test's own directory). */
export const qemuPids = (path: string): number[] =>
  execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l.includes('qemu-system') && l.includes(path))
    .map((l) => Number(l.trim().split(/\s+/)[0]));

/** Kills (SIGKILL) every QEMU of `path`; for a test's clean-up, whatever state it ended in. */
export const killQemus = (path: string): void => {
  for (const pid of qemuPids(path)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {}
  }
};
