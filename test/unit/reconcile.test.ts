import assert from 'node:assert/strict';
import { test } from 'node:test';
import { McpError } from '../../src/domain/errors.js';
import { LABEL } from '../../src/domain/observed.js';
import { harness, running } from '../support/agent-harness.js';
import { component, service } from '../support/plan-builders.js';

const platform = () => [
  service('dns', ['server']),
  service('proxy', ['edge'], { dependsOn: ['dns'] }),
  service('wiki', ['api', component('wiki', 'web', { dependsOn: ['api'] })], { dependsOn: ['proxy'] }),
];

const withImages = async (services = platform()) => {
  const h = await harness();
  for (const s of services) for (const c of s.components) h.runtime.addImage(c.image);
  h.serve(services);
  return h;
};

test('a pass from nothing creates and starts every component', async () => {
  const h = await withImages();
  const report = await h.pass();
  assert.equal(report.status.result, 'converged');
  assert.equal(report.changes?.counts.created, 4);
  assert.deepEqual(running(h.runtime), ['dns-server', 'proxy-edge', 'wiki-api', 'wiki-web']);
});

test('a second pass over the same state makes no runtime call at all', async () => {
  const h = await withImages();
  await h.pass();
  const before = h.runtime.apiCalls();
  const report = await h.pass();
  assert.equal(h.runtime.apiCalls(), before);
  assert.equal(report.changes?.counts.unchanged, 4);
  assert.equal(report.status.summary, '4 unchanged');
});

test('components start in dependency order', async () => {
  const h = await withImages();
  await h.pass();
  const starts = h.runtime.events.filter((e) => e.type === 'start').map((e) => e.name);
  assert.deepEqual(starts, ['dns-server', 'proxy-edge', 'wiki-api', 'wiki-web']);
});

test('changing one image recreates only that component', async () => {
  const h = await withImages();
  await h.pass();
  const changed = platform();
  changed[2].components[0] = component('wiki', 'api', { image: 'registry.example:8443/wiki-api:v1.1.0' });
  h.runtime.addImage('registry.example:8443/wiki-api:v1.1.0');
  h.serve(changed, 'c0ffee2');
  const report = await h.pass();
  assert.equal(report.changes?.counts.recreated, 1);
  assert.deepEqual(
    report.changes?.results.filter((r) => r.outcome === 'recreated').map((r) => r.name),
    ['wiki-api'],
  );
  assert.equal(h.runtime.instance('wiki-api')?.image, 'registry.example:8443/wiki-api:v1.1.0');
});

test('a failed action blocks its dependents but not unrelated services', async () => {
  const services = [...platform(), service('paste', ['app'])];
  const h = await withImages(services);
  h.runtime.removeImage(services[1].components[0].image); // proxy-edge cannot be created
  const report = await h.pass();
  const outcome = (name: string) => report.changes?.results.find((r) => r.name === name)?.outcome;
  assert.equal(report.status.result, 'degraded');
  assert.equal(outcome('proxy-edge'), 'failed');
  assert.equal(outcome('wiki-api'), 'skipped');
  assert.equal(outcome('wiki-web'), 'skipped');
  assert.equal(outcome('dns-server'), 'created');
  assert.equal(outcome('paste-app'), 'created');
  assert.match(report.status.errors[0].message, /not found locally/);
});

test('transient runtime errors are retried', async () => {
  const h = await withImages();
  h.runtime.failNext('create', new McpError('RUNTIME_UNAVAILABLE', 'socket hiccup'));
  h.runtime.failNext('start', new McpError('RUNTIME', 'busy'));
  const report = await h.pass();
  assert.equal(report.status.result, 'converged');
  assert.equal(running(h.runtime).length, 4);
});

test('drift is healed: stopped, removed and killed containers come back', async () => {
  const h = await withImages();
  await h.pass();
  h.runtime.stopByHand('dns-server');
  h.runtime.removeByHand('proxy-edge');
  h.runtime.killByHand('wiki-web');
  const report = await h.pass();
  assert.equal(report.changes?.counts.started, 2);
  assert.equal(report.changes?.counts.created, 1);
  assert.equal(running(h.runtime).length, 4);
  const events = h.store.events(10).filter((e) => e.data?.drift);
  assert.equal(events.length, 3);
});

test('with heal off, drift is reported and left alone', async () => {
  const h = await withImages();
  await h.pass();
  h.runtime.stopByHand('dns-server');
  const report = await h.pass({ heal: false });
  assert.equal(report.changes?.results.find((r) => r.name === 'dns-server')?.outcome, 'skipped');
  assert.equal(h.runtime.instance('dns-server')?.state, 'exited');
});

test('a removed service is pruned; with prune off it is only reported', async () => {
  const h = await withImages();
  await h.pass();
  h.serve(platform().slice(0, 2), 'c2');
  const held = await h.pass({ prune: false });
  assert.equal(held.changes?.counts.skipped, 2);
  assert.equal(running(h.runtime).length, 4);
  const pruned = await h.pass();
  assert.equal(pruned.changes?.counts.removed, 2);
  assert.deepEqual(running(h.runtime), ['dns-server', 'proxy-edge']);
  assert.deepEqual(
    h.store.inventory().map((e) => e.name),
    ['dns-server', 'proxy-edge'],
  );
});

test('a revision removing most services is held until overridden', async () => {
  const h = await withImages();
  await h.pass();
  h.serve(platform().slice(0, 1), 'c3');
  const held = await h.pass();
  assert.equal(held.status.result, 'degraded');
  assert.ok(held.status.errors.some((e) => e.code === 'NEEDS_OVERRIDE'));
  assert.equal(running(h.runtime).length, 4);
  const forced = await h.pass({ override: true });
  assert.equal(forced.changes?.counts.removed, 3);
});

test('an unmanaged container holding a needed name is a conflict and is not touched', async () => {
  const h = await withImages();
  const id = h.runtime.addUnmanaged('dns-server');
  const report = await h.pass();
  assert.equal(report.changes?.results.find((r) => r.name === 'dns-server')?.outcome, 'conflict');
  assert.equal(report.changes?.results.find((r) => r.name === 'proxy-edge')?.outcome, 'skipped');
  assert.equal(h.runtime.instance('dns-server')?.id, id);
});

test('a runtime that cannot be observed fails the pass and removes nothing', async () => {
  const h = await withImages();
  await h.pass();
  h.runtime.down();
  const report = await h.pass();
  assert.equal(report.status.result, 'failed');
  assert.equal(report.status.errors[0].code, 'RUNTIME_UNAVAILABLE');
  h.runtime.down(false);
  assert.equal(running(h.runtime).length, 4);
  assert.equal((await h.pass()).status.result, 'converged');
});

test('an unreachable source falls back to the last good revision', async () => {
  const h = await withImages();
  await h.pass();
  for (const i of h.runtime.list()) h.runtime.removeByHand(i.name);
  h.serve(undefined);
  const report = await h.pass();
  assert.equal(report.status.revision, 'c0ffee');
  assert.equal(report.status.errors[0].code, 'SOURCE_UNAVAILABLE');
  assert.equal(running(h.runtime).length, 4);
});

test('an invalid revision keeps the last good one running and says why', async () => {
  const h = await withImages();
  await h.pass();
  h.serve({
    ok: false,
    commit: 'bad',
    errors: [{ file: 'services/dns.toml', line: 3, column: 1, path: 'node', message: 'required' }],
  });
  const report = await h.pass();
  assert.equal(report.status.revision, 'c0ffee');
  assert.equal(report.changes?.counts.unchanged, 4);
  assert.match(report.status.errors[0].message, /services\/dns\.toml:3:1/);
});

test('an inactive service is stopped and not removed', async () => {
  const h = await withImages();
  await h.pass();
  const services = platform();
  services[2] = { ...services[2], active: false };
  h.serve(services, 'c4');
  const report = await h.pass();
  assert.equal(report.changes?.counts.stopped, 2);
  assert.equal(h.runtime.instance('wiki-api')?.state, 'exited');
  assert.equal((await h.pass()).changes?.counts.unchanged, 4);
});

test('a create that loses its name to a stranger leaves no claim, so the stranger is never removed', async () => {
  const h = await withImages();
  h.runtime.failNext('create', new McpError('CONFLICT', 'name dns-server is already in use'));
  const first = await h.pass();
  assert.equal(first.changes?.results.find((r) => r.name === 'dns-server')?.outcome, 'failed');
  assert.equal(
    h.store.inventory().some((e) => e.name === 'dns-server'),
    false,
  );
  const stranger = h.runtime.addUnmanaged('dns-server');
  const second = await h.pass();
  assert.equal(second.changes?.results.find((r) => r.name === 'dns-server')?.outcome, 'conflict');
  assert.equal(h.runtime.instance('dns-server')?.id, stranger);
});

test('with heal off, a change whose recreate failed is retried as a change, not skipped as drift', async () => {
  const h = await withImages();
  await h.pass({ heal: false });
  const changed = platform();
  changed[0].components[0] = component('dns', 'server', { image: 'registry.example:8443/dns-server:v2.0.0' });
  h.serve(changed, 'c5');
  const failed = await h.pass({ heal: false });
  assert.equal(failed.changes?.results.find((r) => r.name === 'dns-server')?.outcome, 'failed');
  h.runtime.addImage('registry.example:8443/dns-server:v2.0.0');
  const retried = await h.pass({ heal: false });
  assert.equal(retried.changes?.results.find((r) => r.name === 'dns-server')?.outcome, 'recreated');
});

test('an instance created just before a crash is confirmed in the inventory by the next pass', async () => {
  const h = await withImages();
  await h.pass();
  const [dns] = h.store.inventory();
  h.store.recordInstances([{ ...dns, specHash: 'stale', claimed: true }]);
  const report = await h.pass();
  assert.equal(report.changes?.counts.unchanged, 4);
  const entry = h.store.inventory().find((e) => e.name === dns.name);
  assert.equal(entry?.claimed, undefined);
  assert.equal(entry?.specHash, dns.specHash);
});

test('once the runtime is unreachable mid-pass, the remaining actions are skipped, not each retried', async () => {
  const h = await withImages([service('a', ['x']), service('b', ['x']), service('c', ['x'])]);
  for (let i = 0; i < 3; i++)
    h.runtime.failNext('create', new McpError('RUNTIME_UNAVAILABLE', 'socket gone'));
  const report = await h.pass({ concurrency: 1 });
  const outcomes = report.changes?.results.map((r) => `${r.name} ${r.outcome}`);
  assert.deepEqual(outcomes, ['a-x failed', 'b-x skipped', 'c-x skipped']);
  assert.equal(h.runtime.calls.create, 3);
});

test('a standing conflict degrades every pass but is recorded as one event', async () => {
  const h = await withImages();
  h.runtime.addUnmanaged('dns-server');
  const first = await h.pass();
  const second = await h.pass();
  assert.equal(first.status.result, 'degraded');
  assert.equal(second.status.result, 'degraded');
  assert.equal(h.store.events(50).filter((e) => e.name === 'dns-server').length, 1);
});

test('route ports are allocated clear of the static host ports of the node’s services', async () => {
  const route = { name: 'http', port: 8080, mode: 'l7' as const };
  const h = await withImages([
    service('edge', [
      component('edge', 'main', {
        ports: [{ hostIp: '', hostPort: 10000, containerPort: 80, protocol: 'tcp' }],
      }),
    ]),
    service('app', [component('app', 'main', { routes: [route] })]),
  ]);
  assert.equal((await h.pass()).status.result, 'converged');
  const { http } = h.store.routePorts('app-main', ['http']);
  assert.ok(http > 10000 && http <= 60000, `route port ${http}`);
});

test('a node with no services is converged, not failed', async () => {
  const h = await harness('empty-node');
  h.serve([service('web', ['main'], { node: 'other' })]);
  const report = await h.pass();
  assert.equal(report.status.result, 'converged');
  assert.equal(report.status.summary, 'nothing to do');
  assert.deepEqual(report.status.errors, []);
});

test('an empty revision is converged', async () => {
  const h = await harness();
  h.serve([]);
  assert.equal((await h.pass()).status.result, 'converged');
});

test('adopt with heal off keeps a matching unmanaged container and replaces a differing one', async () => {
  const h = await harness();
  const web = service('web', ['same', component('web', 'other', { env: ['MODE=prod'] })]);
  for (const c of web.components) h.runtime.addImage(c.image);
  h.serve([web]);
  const [same, other] = web.components;
  const keptId = h.runtime.addUnmanaged('web-same', {
    image: same.image,
    running: { ports: same.ports, volumes: same.volumes, env: same.env, cmd: same.cmd },
  });
  const replacedId = h.runtime.addUnmanaged('web-other', { image: other.image });
  assert.match((await h.pass({ heal: false })).status.summary, /2 conflict/);
  const results = await h.adopt(['web-same', 'web-other'], { heal: false });
  const outcome = Object.fromEntries(results.map((r) => [r.name, r.outcome]));
  assert.deepEqual(outcome, { 'web-same': 'adopted', 'web-other': 'recreated' });
  assert.equal(h.runtime.instance('web-same')?.id, keptId, 'kept, not recreated');
  assert.notEqual(h.runtime.instance('web-other')?.id, replacedId);
  const next = await h.pass({ heal: false });
  assert.equal(next.status.result, 'converged', next.status.summary);
});

const labelsOf = (h: Awaited<ReturnType<typeof withImages>>, name: string) => ({
  ...h.runtime.instance(name)!.labels,
});

test('every instance carries its node; another node’s instances are neither counted, listed nor pruned', async () => {
  const h = await withImages();
  await h.pass();
  assert.equal(labelsOf(h, 'dns-server')[LABEL.node], 'rift');
  // The same podman also runs an instance of node "edge", even one this registry once knew.
  h.runtime.addUnmanaged('edge-api', {
    labels: { ...labelsOf(h, 'dns-server'), [LABEL.service]: 'edge', [LABEL.node]: 'edge' },
  });
  h.store.recordInstances([
    { name: 'edge-api', service: 'edge', component: 'api', kind: 'container', specHash: 'x' },
  ]);
  const report = await h.pass();
  assert.equal(report.status.summary, '4 unchanged');
  assert.equal(h.runtime.instance('edge-api')?.state, 'running', 'another node’s instance is never pruned');
});

test('another node’s instance holding a name this node needs is a conflict, left alone', async () => {
  const h = await withImages();
  const id = h.runtime.addUnmanaged('dns-server', {
    labels: {
      [LABEL.managed]: 'true',
      [LABEL.service]: 'dns',
      [LABEL.component]: 'server',
      [LABEL.node]: 'edge',
    },
  });
  const report = await h.pass();
  const dns = report.changes?.results.find((r) => r.name === 'dns-server');
  assert.equal(dns?.outcome, 'conflict');
  assert.match(dns?.reason ?? '', /held by an instance of node edge/);
  assert.equal(h.runtime.instance('dns-server')?.id, id);
});

test('instances made before the node label are adopted by the inventory on the first pass, without a recreate', async () => {
  const before = await withImages();
  await before.pass();
  const names = ['dns-server', 'proxy-edge', 'wiki-api', 'wiki-web'];
  const old = names.map((name) => {
    const { [LABEL.node]: _node, ...labels } = labelsOf(before, name);
    return { name, labels, image: before.runtime.instance(name)!.image };
  });
  // A fresh registry (an agent upgraded from before the label): the containers run, unlabelled by node.
  const h = await withImages();
  const ids = old.map((o) => h.runtime.addUnmanaged(o.name, { labels: o.labels, image: o.image }));
  const report = await h.pass();
  assert.equal(report.status.summary, '4 unchanged');
  assert.deepEqual(
    names.map((n) => h.runtime.instance(n)?.id),
    ids,
    'nothing recreated',
  );
  assert.deepEqual(
    h.store
      .inventory()
      .map((e) => e.name)
      .sort(),
    names,
  );
});
