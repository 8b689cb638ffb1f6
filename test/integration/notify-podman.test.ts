/**
 * Notifications from an agent's own loop on real podman, received by a local webhook: a
 * container removed by hand and put back (healed drift), a rollout that never turns healthy
 * (rollback), a container that keeps exiting (crash loop) and a revision that would remove
 * most of the node (held removal) are each one message, however many passes see them.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { dirSource } from '../../src/adapters/dir/source.js';
import { createPodmanRuntime } from '../../src/adapters/podman/runtime.js';
import { openRegistry } from '../../src/adapters/sqljs/registry.js';
import { type Loop, startLoop } from '../../src/agent/loop.js';
import { createNotifier, readSinks } from '../../src/agent/notify/index.js';
import { silentLogger } from '../../src/log.js';
import { defaultOptions } from '../support/agent-harness.js';
import { closedPort } from '../support/net.js';
import { IMAGE_V1, podman, removeContainers, requirePodman } from '../support/podman.js';
import { type Receiver, startReceiver } from '../support/receiver.js';

const P = `ntf${process.pid.toString(36)}`;
const NODE = `${P}node`;
let dir = '';
let rx: Receiver;
let loop: Loop | undefined;
let close = async () => {};

before(async () => {
  await requirePodman();
  await removeContainers(`${P}-`);
  dir = await mkdtemp(join(tmpdir(), 'mcp-notify-podman-'));
  rx = await startReceiver();
});
after(async () => {
  await loop?.stop();
  await close();
  await rx.close();
  await removeContainers(`${P}-`);
  await rm(dir, { recursive: true, force: true });
});

const file = (name: string, lines: string[]) =>
  [`name = "${P}-${name}"`, `node = "${NODE}"`, '[[components]]', 'name = "main"', ...lines].join('\n');

test('a healed drift, a rollback, a crash loop and a held removal are one notification each', async () => {
  const port = await closedPort();
  const httpd = (listen: number) => [
    `image = "${IMAGE_V1}"`,
    `cmd = ["sh", "-c", "mkdir -p /www && echo ok > /www/index.html && exec httpd -f -h /www -p ${listen}"]`,
    `ports = ["127.0.0.1:${port}:8080"]`,
    '[components.health]',
    'http = 8080',
    'interval = 1',
    'timeout = 1',
    'retries = 1',
    'start_timeout = 3',
  ];
  const sleeper = (name: string) => file(name, [`image = "${IMAGE_V1}"`, 'cmd = ["sleep", "3600"]']);
  const write = async (files: Record<string, string>) => {
    await rm(join(dir, 'services'), { recursive: true, force: true });
    await mkdir(join(dir, 'services'));
    for (const [name, text] of Object.entries(files))
      await writeFile(join(dir, 'services', `${P}-${name}.toml`), text);
  };
  const v1 = {
    drift: sleeper('drift'),
    app: file('app', httpd(8080)),
    crash: file('crash', [`image = "${IMAGE_V1}"`, 'cmd = ["sh", "-c", "exit 3"]', 'restart = "no"']),
    keep1: sleeper('keep1'),
    keep2: sleeper('keep2'),
  };
  await write(v1);
  const runtime = await createPodmanRuntime({
    socketPath: process.env.MCP_PODMAN_SOCKET ?? '/run/mcp-test/podman.sock',
    stopTimeoutSeconds: 1,
  });
  const store = await openRegistry();
  const notifier = createNotifier({
    node: NODE,
    store,
    sinks: await readSinks([
      {
        kind: 'webhook',
        url: `${rx.url}/hook`,
        events: ['rollback', 'crash-loop', 'held-removal', 'drift-healed'],
      },
    ]),
    log: silentLogger,
  });
  close = async () => {
    notifier.close();
    await runtime.close();
  };
  loop = startLoop(
    { node: NODE, source: dirSource(dir), runtimes: { container: runtime }, store, log: silentLogger },
    { ...defaultOptions, stopTimeoutSeconds: 1 },
    silentLogger,
    { interval: 3600, debounceMs: 20, prober: { firstDelayMs: 200 }, steadyMs: 1000 },
  );
  void loop.scheduler.trigger('start');
  const kinds = () => rx.received.map((r) => JSON.parse(r.body)).map((b) => `${b.kind} ${b.subject}`);
  const until = async (what: string, check: () => boolean, ms = 120_000) => {
    for (const end = Date.now() + ms; !check(); await new Promise((r) => setTimeout(r, 100)))
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(kinds())}`);
  };

  await until('app healthy', () => loop!.board.state(`${P}-app-main`) === 'healthy');
  await until('drift running', () => store.inventory().some((e) => e.name === `${P}-drift-main`));
  await podman('rm', '-f', '-t', '0', `${P}-drift-main`);
  await until('drift healed', () => kinds().includes(`drift-healed ${P}-drift-main`));

  // v2 of app listens on a port nobody probes: unhealthy after its 3 s, rolled back to v1.
  await write({ ...v1, app: file('app', httpd(9090)) });
  await loop.scheduler.trigger('v2');
  await until('rolled back', () => kinds().includes(`rollback ${P}-app-main`));
  await until('crash loop', () => kinds().includes(`crash-loop ${P}-crash-main`));

  // A revision that removes most of the node is held, not applied.
  await write({ keep1: v1.keep1 });
  await loop.scheduler.trigger('most gone');
  await until('held', () => kinds().some((k) => k.startsWith('held-removal ')));
  // More passes see the same conditions; none of them is sent again.
  for (let i = 0; i < 3; i++) await loop.scheduler.trigger(`again ${i}`);
  await notifier.idle();
  const sent = kinds().sort();
  assert.deepEqual(sent, [
    `crash-loop ${P}-crash-main`,
    // Its first exit, put back once; the exits after it are repeats of that, then the crash loop.
    `drift-healed ${P}-crash-main`,
    `drift-healed ${P}-drift-main`,
    'held-removal node',
    `rollback ${P}-app-main`,
  ]);
  const bodies = rx.received.map((r) => JSON.parse(r.body));
  assert.ok(bodies.every((b) => b.node === NODE));
  assert.match(
    bodies.find((b) => b.kind === 'drift-healed' && b.subject === `${P}-drift-main`).message,
    /drifted \(removed outside MCP\); healed: created in \d+ ms$/,
  );
  assert.equal(bodies.find((b) => b.kind === 'rollback').service, `${P}-app`);
  assert.match(
    bodies.find((b) => b.kind === 'held-removal').message,
    /removes most services of this node .*; held until an override/,
  );
});
