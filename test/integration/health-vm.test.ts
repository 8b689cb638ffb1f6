/**
 * An http probe of a unikernel VM (the stand-in guest of test/support/guest-image.sh under real
 * QEMU), probed by the agent from the host on the VM's published port: a guest that serves
 * becomes healthy; one whose probed port never answers ends unhealthy and the pass degraded
 * once its start_timeout ran out, never converged; a VM whose QEMU dies after its boot is a
 * death with its spec, so it is started again only after the crash-loop back-off. The runtime
 * picks its accelerator as an agent would (`auto`).
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
import { killQemus, qemuPids } from '../support/qemu.js';

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
  const vm = (name: string, port: number, guestPort: number, startTimeout: number) =>
    `name = "i10-${name}"\nnode = "i10vm"\n[[components]]\nname = "vm"\nkind = "unikernel"\nimage = "${GUEST}"\n` +
    `memory = 128\nports = ["127.0.0.1:${port}:${guestPort}"]\n` +
    `[components.health]\nhttp = ${guestPort}\ninterval = 1\ntimeout = 1\nretries = 2\nstart_timeout = ${startTimeout}\n`;
  await mkdir(join(dir, 'repo', 'services'), { recursive: true });
  await writeFile(join(dir, 'repo', 'services', 'i10-serves.toml'), vm('serves', good, 8080, 60));
  await writeFile(join(dir, 'repo', 'services', 'i10-silent.toml'), vm('silent', bad, 8081, 15));
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
  // Unhealthy inside its start_timeout is progressing; the agent judges it again when that runs out.
  while (passes.at(-1)?.status.result !== 'degraded') {
    if (Date.now() > end)
      throw new Error(`timed out waiting for degraded: ${JSON.stringify(passes.at(-1)?.status)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
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

test('a VM whose QEMU dies after its boot is a death with its spec: started again only after the back-off', async () => {
  await loop?.stop();
  loop = undefined;
  for (const i of (await rt.observe([], [])).instances) await rt.remove(i.id);
  await rm(join(dir, 'repo', 'services'), { recursive: true, force: true });
  await mkdir(join(dir, 'repo', 'services'), { recursive: true });
  await writeFile(
    join(dir, 'repo', 'services', 'i10-dies.toml'),
    `name = "i10-dies"\nnode = "i10vm"\n[[components]]\nname = "vm"\nkind = "unikernel"\nimage = "${GUEST}"\nmemory = 128\n`,
  );
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
    { interval: 3600, debounceMs: 20, onPass: (r) => passes.push(r) },
  );
  void loop.scheduler.trigger('start');
  const until = async (what: string, check: () => boolean | Promise<boolean>, ms = 120_000) => {
    for (const end = Date.now() + ms; !(await check()); await new Promise((r) => setTimeout(r, 100)))
      if (Date.now() > end)
        throw new Error(`timed out waiting for ${what}: ${JSON.stringify(passes.at(-1)?.status)}`);
  };
  const running = async () =>
    (await rt.observe(['i10-dies-vm'], [])).instances.some(
      (i) => i.name === 'i10-dies-vm' && i.state === 'running',
    );
  await until('the VM running', running);
  await until('the pass that created it ended', () =>
    passes.some((p) => p.changes?.results.some((r) => r.outcome === 'created')),
  );
  const [pid] = qemuPids(join(dir, 'vms'));
  assert.ok(pid, 'its QEMU');
  const killedAt = Date.now();
  process.kill(pid!, 'SIGKILL');
  const hash = store.inventory().find((e) => e.name === 'i10-dies-vm')!.specHash;
  const passesBefore = passes.length;
  // The death is counted with the VM's spec (a QEMU exit carries its hash), so the board holds it.
  await until('the death counted', () => loop!.board.gate('i10-dies-vm', hash).kind === 'wait', 10_000);
  const gate = loop.board.gate('i10-dies-vm', hash);
  assert.match(gate.kind === 'wait' ? gate.reason : '', /^back-off: died 1x/);
  const again = () =>
    passes
      .slice(passesBefore)
      .find((p) => p.changes?.results.some((r) => ['started', 'created', 'recreated'].includes(r.outcome)));
  await until('a pass that started it again', () => again() !== undefined);
  const restart = again();
  assert.ok(await running(), 'running again');
  assert.notEqual(qemuPids(join(dir, 'vms'))[0], pid, 'a new QEMU');
  assert.ok(Date.parse(restart!.status.at) - killedAt >= 1000, 'that pass ran once the back-off was over');
});
