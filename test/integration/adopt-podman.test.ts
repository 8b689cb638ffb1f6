/**
 * `mcp adopt` and the agent's own events on the real podman: a container made by hand exactly
 * as the spec asks is taken over without a recreate, one that differs is replaced, and the
 * stops and removes the agent makes itself come back as its own events.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, test } from 'node:test';
import { dirSource } from '../../src/adapters/dir/source.js';
import { createPodmanRuntime } from '../../src/adapters/podman/runtime.js';
import { openRegistry } from '../../src/adapters/sqljs/registry.js';
import { Adoptions } from '../../src/agent/adoptions.js';
import { isOwnEvent } from '../../src/agent/own-names.js';
import { reconcileOnce } from '../../src/agent/reconcile.js';
import { passReasonOf } from '../../src/agent/runtime-trigger.js';
import { silentLogger } from '../../src/log.js';
import type { RuntimeEvent } from '../../src/ports/instance-runtime.js';
import { defaultOptions } from '../support/agent-harness.js';
import { IMAGE_V1, podman, podmanSocket, removeContainers, requirePodman } from '../support/podman.js';

const P = `i7a${process.pid.toString(36)}`;
const NODE = `${P}-node`;
const dirs: string[] = [];

before(requirePodman);
afterEach(() => removeContainers(`${P}-`));
after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

const SERVICE = [
  `name = "${P}-web"`,
  `node = "${NODE}"`,
  '[[components]]',
  'name = "main"',
  `image = "${IMAGE_V1}"`,
  'cmd = ["httpd", "-f", "-p", "8080"]',
  'env = ["MODE=prod"]',
].join('\n');

const agent = async () => {
  const dir = await mkdtemp(join(tmpdir(), 'mcp-i7-'));
  dirs.push(dir);
  await mkdir(join(dir, 'services'));
  await writeFile(join(dir, 'services', `${P}-web.toml`), SERVICE);
  const runtime = await createPodmanRuntime({ socketPath: podmanSocket, stopTimeoutSeconds: 2 });
  after(() => runtime.close());
  const store = await openRegistry();
  const adoptions = new Adoptions();
  const deps = {
    node: NODE,
    source: dirSource(dir),
    runtimes: { container: runtime },
    store,
    log: silentLogger,
    adoptions,
  };
  const pass = (heal = true) => reconcileOnce(deps, { ...defaultOptions, stopTimeoutSeconds: 2, heal });
  const adopt = async (names: string[], heal = true) => {
    const results = adoptions.request(names);
    await pass(heal);
    return results;
  };
  return { runtime, store, pass, adopt };
};

const idOf = (name: string) => podman('inspect', '--format', '{{.Id}}', name);

/** The service's container made by hand, without MCP's labels, with environment `env`. */
const byHand = (env: string) =>
  podman('run', '-d', '--name', `${P}-web-main`, '-e', env, IMAGE_V1, 'httpd', '-f', '-p', '8080');

// The containers made by hand exist before the agent starts: its first list holds them.
test('adopt keeps a container that runs as the spec asks, without a recreate, even with heal off', async () => {
  await byHand('MODE=prod');
  const before = await idOf(`${P}-web-main`);
  const a = await agent();
  assert.match((await a.pass(false)).status.summary, /1 conflict/);

  const [result] = await a.adopt([`${P}-web-main`], false);
  assert.equal(result.outcome, 'adopted', result.reason);
  assert.equal(await idOf(`${P}-web-main`), before, 'the same container, not recreated');
  const entry = a.store.inventory().find((e) => e.name === `${P}-web-main`);
  assert.equal(entry?.adoptedId, before);

  const next = await a.pass(false);
  const mine = next.changes?.results.find((r) => r.name === `${P}-web-main`);
  assert.equal(mine?.outcome, 'unchanged', "MCP's now, and up to date");
  assert.equal(await idOf(`${P}-web-main`), before);

  // It keeps the labels it was made with (none), yet its death by hand calls for a pass.
  const died = new Promise<RuntimeEvent>((resolve) =>
    a.runtime.onEvent((e) => e.type === 'die' && e.id === before && resolve(e)),
  );
  await podman('kill', `${P}-web-main`);
  const event = await died;
  assert.equal(event.managed, false);
  assert.equal(
    passReasonOf(event, () => isOwnEvent(a.store, NODE, event)),
    `runtime die ${P}-web-main`,
  );
});

test('adopt replaces a container that differs from the spec, even with heal off', async () => {
  await byHand('MODE=dev');
  const before = await idOf(`${P}-web-main`);
  const a = await agent();
  const [result] = await a.adopt([`${P}-web-main`], false);
  assert.equal(result.outcome, 'recreated', JSON.stringify(result));
  assert.notEqual(await idOf(`${P}-web-main`), before);
  const labels = JSON.parse(await podman('inspect', '--format', '{{json .Config.Labels}}', `${P}-web-main`));
  assert.equal(labels['mcp.managed'], 'true');
  const next = await a.pass(false);
  assert.equal(next.changes?.results.find((r) => r.name === `${P}-web-main`)?.outcome, 'unchanged');
});

test("the agent's own stop and remove come back as its own events; a removal by hand does not", async () => {
  const a = await agent();
  await a.pass();
  const events: RuntimeEvent[] = [];
  a.runtime.onEvent((e) => events.push(e));
  const id = await idOf(`${P}-web-main`);
  const until = async (what: (e: RuntimeEvent) => boolean) => {
    for (let i = 0; i < 200 && !events.some(what); i++) await new Promise((r) => setTimeout(r, 50));
    return events.filter(what);
  };

  await a.runtime.stop(id, 2);
  const dies = await until((e) => e.id === id && e.type === 'die');
  assert.ok(dies.length > 0, `a die event arrives: ${JSON.stringify(events)}`);
  assert.ok(
    events.filter((e) => e.id === id && (e.type === 'die' || e.type === 'stop')).every((e) => e.own),
    'die and stop of our own stop are own',
  );

  await a.runtime.start(id);
  await until((e) => e.id === id && e.type === 'start');
  await podman('rm', '-f', '-t', '0', `${P}-web-main`);
  const removes = await until((e) => e.id === id && e.type === 'remove');
  assert.equal(removes.length, 1);
  assert.equal(removes[0].own, false, 'a removal by hand is drift, not ours');
  assert.ok(
    events.filter((e) => e.id === id && e.type === 'die' && !e.own).length > 0,
    'the die of a removal by hand is not ours',
  );

  events.length = 0;
  await a.pass();
  const fresh = await idOf(`${P}-web-main`);
  await a.runtime.remove(fresh);
  const ours = await until((e) => e.id === fresh && e.type === 'remove');
  assert.equal(ours[0].own, true, 'our own remove');
});
