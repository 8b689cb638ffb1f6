/**
 * An http probe of a unikernel VM (the stand-in guest of test/support/guest-image.sh under real
 * QEMU), probed by the agent from the host on the VM's published port: a guest that serves
 * becomes healthy; one whose probed port never answers ends unhealthy and the pass degraded,
 * never converged. The runtime picks its accelerator as an agent would (`auto`).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { dirSource } from '../../src/adapters/dir/source.js';
import { createQemuRuntime, type QemuRuntime } from '../../src/adapters/qemu/runtime.js';
import { openRegistry } from '../../src/adapters/sqljs/registry.js';
import { type Loop, startLoop } from '../../src/agent/loop.js';
import type { PassReport } from '../../src/agent/reconcile.js';
import { silentLogger } from '../../src/log.js';
import { defaultOptions } from '../support/agent-harness.js';
import { closedPort } from '../support/net.js';
import { killQemus } from '../support/qemu.js';

const GUEST = process.env.MCP_GUEST_DIR ?? '/var/lib/mcp-test/guest';
let dir = '';
let rt: QemuRuntime;
let loop: Loop | undefined;

before(async () => {
  if (!existsSync(join(GUEST, 'vmlinuz')))
    throw new Error(`no guest image at ${GUEST}: run test/support/guest-image.sh (scripts/setup.sh does)`);
  dir = await mkdtemp(join(tmpdir(), 'mcp-i10-vm-'));
  rt = await createQemuRuntime({ dir: join(dir, 'vms'), pollIntervalMs: 200 });
});
after(async () => {
  await loop?.stop();
  for (const i of (await rt.observe([], [])).instances) await rt.remove(i.id);
  await rt.close();
  killQemus(dir);
  await rm(dir, { recursive: true, force: true });
});

test('a VM that serves becomes healthy; one whose probed port never answers ends unhealthy, the pass degraded', async () => {
  const [good, bad] = [await closedPort(), await closedPort()];
  const vm = (name: string, port: number, guestPort: number) =>
    `name = "i10-${name}"\nnode = "i10vm"\n[[components]]\nname = "vm"\nkind = "unikernel"\nimage = "${GUEST}"\n` +
    `memory = 128\nports = ["127.0.0.1:${port}:${guestPort}"]\n` +
    `[components.health]\nhttp = ${guestPort}\ninterval = 1\ntimeout = 1\nretries = 2\nstart_timeout = 60\n`;
  await mkdir(join(dir, 'repo', 'services'), { recursive: true });
  await writeFile(join(dir, 'repo', 'services', 'i10-serves.toml'), vm('serves', good, 8080));
  await writeFile(join(dir, 'repo', 'services', 'i10-silent.toml'), vm('silent', bad, 8081));
  const passes: PassReport[] = [];
  const store = await openRegistry();
  loop = startLoop(
    {
      node: 'i10vm',
      source: dirSource(join(dir, 'repo')),
      runtimes: { unikernel: rt },
      store,
      log: silentLogger,
    },
    { ...defaultOptions, stopTimeoutSeconds: 1 },
    silentLogger,
    { interval: 3600, debounceMs: 20, prober: { firstDelayMs: 500 }, onPass: (r) => passes.push(r) },
  );
  void loop.scheduler.trigger('start');
  const board = loop.board;
  const end = Date.now() + 120_000;
  while (!(board.state('i10-serves-vm') === 'healthy' && board.state('i10-silent-vm') === 'unhealthy')) {
    if (Date.now() > end)
      throw new Error(`timed out: ${board.state('i10-serves-vm')} / ${board.state('i10-silent-vm')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  await loop.scheduler.trigger('check');
  const last = passes.at(-1)!.status;
  assert.equal(last.result, 'degraded');
  assert.deepEqual(
    last.unhealthy?.map((u) => `${u.name} ${u.state}`),
    ['i10-silent-vm unhealthy'],
  );
  assert.ok(
    passes.every((p) => p.status.result !== 'converged'),
    'never converged',
  );
  assert.equal(store.health().get('i10-serves-vm')?.state, 'healthy');
});
