/**
 * A QEMU this runtime has spawned but which has not written its pid file yet is `created`,
 * not `exited`: under load QEMU can take a while before it writes the file. A stand-in QEMU
 * (a shell script that never writes one) holds that moment open for as long as the test needs.
 */
import assert from 'node:assert/strict';
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { createQemuRuntime } from '../../src/adapters/qemu/runtime.js';
import { specHash } from '../../src/domain/hash.js';
import { component } from '../support/plan-builders.js';

const dir = mkdtempSync(join(tmpdir(), 'mcp-qemu-starting-'));
const standIn = join(dir, 'stand-in.pid');
const killStandIn = () => {
  try {
    process.kill(Number(readFileSync(standIn, 'utf8')), 'SIGKILL');
  } catch {}
};
after(() => {
  killStandIn();
  rmSync(dir, { recursive: true, force: true });
});

it('a started QEMU without its pid file yet is created; once it is gone, exited', async () => {
  const image = join(dir, 'blank.img');
  writeFileSync(image, '');
  truncateSync(image, 1024 * 1024);
  // It tells its pid (exec keeps it) once spawned, and never writes QEMU's pid file.
  const fake = join(dir, 'qemu-stand-in');
  writeFileSync(
    fake,
    `#!/bin/sh\necho $$ > '${standIn}.tmp'\nmv '${standIn}.tmp' '${standIn}'\nexec sleep 120\n`,
  );
  chmodSync(fake, 0o755);
  const rt = await createQemuRuntime({
    dir: join(dir, 'vms'),
    qemu: fake,
    accel: 'tcg',
    startTimeoutMs: 120_000,
  });
  try {
    const spec = component('starting', 'vm', { kind: 'unikernel', image, memory: 64, cpus: 1 });
    const id = await rt.create({ spec, hash: specHash(spec), routePorts: {} });
    const starting = rt.start(id);
    starting.catch(() => undefined);
    while (!existsSync(standIn)) await new Promise((r) => setTimeout(r, 20));
    assert.equal((await rt.observe([], [])).instances[0].state, 'created');
    killStandIn();
    await assert.rejects(starting, /exited at start/);
    assert.equal((await rt.observe([], [])).instances[0].state, 'exited');
  } finally {
    await rt.close();
  }
});
