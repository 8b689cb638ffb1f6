/**
 * Health, pure parts: the [components.health] table (validated, located errors, defaults),
 * the probe state rule, crash-loop back-off, rollback substitution, podman's HealthConfig.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { healthConfig } from '../../src/adapters/podman/create-options.js';
import { openRegistry } from '../../src/adapters/sqljs/registry.js';
import { HealthBoard } from '../../src/agent/health/index.js';
import { backoffMs, noteDeath, restartGate } from '../../src/domain/crash-loop.js';
import { McpError } from '../../src/domain/errors.js';
import { specHash } from '../../src/domain/hash.js';
import { freshRecord, nextRecord, probeAddress } from '../../src/domain/health.js';
import { staleMarks, withRollbacks } from '../../src/domain/rollback.js';
import type { ComponentSpec, HealthSpec } from '../../src/domain/spec.js';
import { loadRevisionFromFiles } from '../../src/validate/load.js';
import { harness } from '../support/agent-harness.js';
import { component as build } from '../support/plan-builders.js';

const pinned = 'mcr.example:8443/app:v1.0.0';
const load = (component: string, top = '') =>
  loadRevisionFromFiles([
    {
      path: 'services/web.toml',
      text: `name = "web"\nnode = "rift"\n${top}\n[[components]]\nname = "api"\nimage = "${pinned}"\n${component}`,
    },
  ]);
const errors = (component: string) => {
  const result = load(component);
  assert.equal(result.ok, false, 'expected the revision to be invalid');
  return result.ok ? [] : result.errors.map((e) => [e.line, e.path, e.message]);
};

describe('the health table', () => {
  it('fills the documented defaults and keeps rollback on unless a service turns it off', () => {
    const result = load('ports = ["127.0.0.1:18080:8080"]\n[components.health]\nhttp = 8080');
    assert.ok(result.ok);
    const [service] = result.revision.services;
    assert.deepEqual(service.components[0].health, {
      probe: { kind: 'http', port: 8080, path: '/' },
      interval: 10,
      timeout: 5,
      retries: 3,
      startPeriod: 0,
      startTimeout: 300,
    });
    assert.equal(service.rollback, undefined);
    const off = load('[components.health]\ncmd = ["true"]', 'rollback = false');
    assert.ok(off.ok);
    assert.equal(off.revision.services[0].rollback, false);
  });

  it('needs exactly one probe, named at its line', () => {
    assert.deepEqual(errors('[components.health]\ninterval = 5'), [
      [7, 'components[0].health', 'health needs one probe: cmd, http or tcp'],
    ]);
    assert.deepEqual(errors('ports = ["1:8080"]\n[components.health]\nhttp = 8080\ntcp = 8080'), [
      [10, 'components[0].health.tcp', "health has both 'http' and 'tcp'; give exactly one"],
    ]);
  });

  it('refuses a probe port the agent cannot reach, and cmd in a unikernel', () => {
    assert.deepEqual(errors('[components.health]\ntcp = 5432'), [
      [
        8,
        'components[0].health.tcp',
        "probe port 5432 is neither published in 'ports' nor a route's port, so the agent cannot reach it",
      ],
    ]);
    const vm = loadRevisionFromFiles([
      {
        path: 'services/vm.toml',
        text: 'name = "vm"\nnode = "rift"\n[[components]]\nname = "g"\nkind = "unikernel"\nimage = "/img"\n[components.health]\ncmd = ["true"]',
      },
    ]);
    assert.equal(vm.ok, false);
    assert.match(!vm.ok ? vm.errors[0].message : '', /a 'cmd' probe runs inside a container/);
  });

  it('rejects unknown keys and out-of-range values through the schema', () => {
    const result = load('[components.health]\ncmd = ["true"]\nintervall = 5');
    assert.equal(result.ok, false);
    const bad = load('[components.health]\ncmd = ["true"]\nretries = 0');
    assert.equal(bad.ok, false);
  });
});

const health = (over: Partial<HealthSpec> = {}): HealthSpec => ({
  probe: { kind: 'tcp', port: 80 },
  interval: 1,
  timeout: 1,
  retries: 3,
  startPeriod: 0,
  startTimeout: 30,
  ...over,
});

describe('the probe state rule', () => {
  it('is healthy on one success, unhealthy after `retries` failures in a row', () => {
    let r = freshRecord(0);
    r = nextRecord(r, health(), 1000, 'refused');
    r = nextRecord(r, health(), 2000, 'refused');
    assert.equal(r.state, 'starting');
    r = nextRecord(r, health(), 3000, 'refused');
    assert.equal(r.state, 'unhealthy');
    assert.equal(r.lastError, 'refused');
    r = nextRecord(r, health(), 4000, undefined);
    assert.deepEqual([r.state, r.failures], ['healthy', 0]);
  });

  it('does not count failures within start_period', () => {
    let r = freshRecord(0);
    for (const t of [1000, 2000, 3000, 4000]) r = nextRecord(r, health({ startPeriod: 5 }), t, 'refused');
    assert.deepEqual([r.state, r.failures], ['starting', 0]);
    r = nextRecord(r, health({ startPeriod: 5, retries: 1 }), 6000, 'refused');
    assert.equal(r.state, 'unhealthy');
  });

  it('reaches a probe port through the published host port, on loopback for every address', () => {
    const spec = {
      ports: [{ hostIp: '', hostPort: 18080, containerPort: 8080, protocol: 'tcp' }],
      routes: [{ name: 'rest', port: 9000, mode: 'l4' }],
      health: health({ probe: { kind: 'http', port: 8080, path: '/' } }),
    } as unknown as ComponentSpec;
    assert.deepEqual(probeAddress(spec, {}), { host: '127.0.0.1', port: 18080 });
    const routed = { ...spec, health: health({ probe: { kind: 'tcp', port: 9000 } }) };
    assert.deepEqual(probeAddress(routed, { rest: 23456 }), { host: '127.0.0.1', port: 23456 });
  });
});

describe('crash-loop back-off', () => {
  it('doubles the wait after each death and gives up after 5 in 10 minutes', () => {
    assert.deepEqual([1, 2, 3, 4].map(backoffMs), [1000, 2000, 4000, 8000]);
    let r = noteDeath(undefined, 'h1', 0);
    assert.deepEqual(restartGate(r, 'h1', 500), {
      kind: 'wait',
      untilMs: 1000,
      reason: 'back-off: died 1x, next start in 1 s',
    });
    assert.deepEqual(restartGate(r, 'h1', 1000), { kind: 'go' });
    for (const t of [10_000, 20_000, 30_000, 40_000]) r = noteDeath(r, 'h1', t);
    assert.equal(restartGate(r, 'h1', 10 * 60_000).kind, 'looping', 'sticky, even once the window passed');
    assert.deepEqual(restartGate(r, 'h2', 41_000), { kind: 'go' }, 'a new spec starts afresh');
  });

  it('forgets deaths older than the window', () => {
    let r = noteDeath(undefined, 'h', 0);
    for (const t of [1, 2, 3]) r = noteDeath(r, 'h', t * 1000);
    r = noteDeath(r, 'h', 11 * 60_000);
    assert.equal(r.deaths.length, 1);
    assert.equal(r.loopingSince, undefined);
  });
});

const component = (image: string): ComponentSpec => build('web', 'api', { image, health: health() });

describe('rollback', () => {
  const good = component('app:v1');
  const bad = component('app:v2');
  const services = [{ name: 'web', node: 'rift', active: true, dependsOn: [], components: [bad], file: 'x' }];
  const healthy = new Map([
    ['web-api', { name: 'web-api', spec: good, hash: specHash(good), revision: 'aaaaaaa1' }],
  ]);

  it('plans a failed spec on its last healthy one, and says so', () => {
    const failed = new Map([
      [
        'web-api',
        {
          name: 'web-api',
          hash: specHash(bad),
          reason: 'unhealthy after 30 s',
          revision: 'bbbbbbb2',
          at: '',
        },
      ],
    ]);
    const out = withRollbacks(services, failed, healthy);
    assert.equal(out.services[0].components[0], good);
    assert.equal(
      out.rolledBack.get('web-api')?.message,
      'rolled back: api app:v2 (bbbbbbb) unhealthy after 30 s; running app:v1 from aaaaaaa',
    );
  });

  it('labels the instance it recreates with the revision whose spec runs, not the rejected one', async () => {
    const h = await harness('rift', { health: true });
    h.runtime.addImage(good.image);
    h.store.setLastHealthy(healthy.get('web-api')!);
    h.store.markFailed({ name: 'web-api', hash: specHash(bad), reason: 'unhealthy after 30 s', at: '' });
    h.serve(services, 'bbbbbbb2');
    const report = await h.pass();
    assert.equal(report.changes?.results[0]?.outcome, 'created');
    const [instance] = h.runtime.list();
    assert.equal(instance.labels['mcp.spec-hash'], specHash(good));
    assert.equal(instance.labels['mcp.revision'], 'aaaaaaa1');
  });

  it('clears a mark once the revision asks for another spec', () => {
    const failed = new Map([['web-api', { name: 'web-api', hash: 'other', reason: 'x', at: '' }]]);
    assert.deepEqual(staleMarks(services, failed), ['web-api']);
    assert.equal(withRollbacks(services, failed, healthy).rolledBack.size, 0);
  });
});

describe("podman's own healthcheck", () => {
  it('is given for cmd probes only, in nanoseconds', () => {
    const spec = {
      ...component('a:1'),
      health: health({ probe: { kind: 'cmd', cmd: ['true'] }, startPeriod: 2 }),
    };
    assert.deepEqual(healthConfig({ spec, hash: 'h', routePorts: {} }), {
      Test: ['CMD', 'true'],
      Interval: 1e9,
      Timeout: 1e9,
      Retries: 3,
      StartPeriod: 2e9,
    });
    assert.equal(healthConfig({ spec: component('a:1'), hash: 'h', routePorts: {} }), undefined);
  });

  it("goes through sh as one quoted string when an argument holds white space, which podman 4.3's CMD form splits", () => {
    const cmd = ['sh', '-c', `test -n "$X" && echo it's ok`];
    const spec = { ...component('a:1'), health: health({ probe: { kind: 'cmd', cmd } }) };
    assert.deepEqual(healthConfig({ spec, hash: 'h', routePorts: {} })?.Test, [
      'CMD-SHELL',
      `sh -c 'test -n "$X" && echo it'\\''s ok'`,
    ]);
  });
});

describe('the health board', () => {
  it('takes the spec of an instance without a probe as healthy once it ran steadily, not while it keeps dying', async () => {
    const store = await openRegistry();
    const board = new HealthBoard(store, Date.now, 30);
    const spec = build('web', 'api', { image: 'app:v1' });
    const target = { name: 'web-api', spec, hash: specHash(spec), revision: 'aaaaaaa1' };
    const recorded = () => store.lastHealthy().get('web-api');
    board.trackSteady([target], new Set(['web-api']));
    board.died('web-api', target.hash);
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(recorded(), undefined, 'it died before it ran 30 ms: not steady');
    board.started('web-api');
    while (!recorded()) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.deepEqual(recorded(), { name: 'web-api', spec, hash: target.hash, revision: 'aaaaaaa1' });
    assert.equal(board.pending(), true, 'the death left a back-off running');
    board.close();
  });

  it('does not take the spec of an instance without a probe as healthy when its start failed', async () => {
    const h = await harness('rift', { health: true, steadyMs: 20 });
    const spec = build('web', 'api', { image: 'app:v1' });
    h.runtime.addImage(spec.image);
    h.serve([{ name: 'web', node: 'rift', active: true, dependsOn: [], components: [spec], file: 'x' }]);
    const taken = () => new McpError('CONFLICT', 'port 127.0.0.1:8080 is in use');
    h.runtime.failNext('start', taken());
    assert.equal((await h.pass()).changes?.results[0]?.outcome, 'failed', 'created, not started');
    h.runtime.failNext('start', taken());
    const failed = await h.pass();
    assert.equal(failed.changes?.results[0]?.action, 'start', 'the instance exists now');
    assert.equal(failed.changes?.results[0]?.outcome, 'failed');
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(h.store.lastHealthy().size, 0, 'created but never running: not healthy');
    const started = await h.pass();
    assert.equal(started.changes?.results[0]?.outcome, 'started');
    while (h.store.lastHealthy().size === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(h.store.lastHealthy().get('web-api')?.hash, specHash(spec), 'running: steady, then healthy');
  });

  it('keeps a crash loop across a restart of the agent, until a retry or a new spec', async () => {
    const store = await openRegistry();
    let now = 0;
    const board = new HealthBoard(store, () => now);
    for (const t of [0, 1000, 2000, 3000, 4000]) {
      now = t;
      board.died('web-api', 'h1');
    }
    board.close();
    assert.equal(store.events(10)[0].kind, 'crash-looping');
    const restarted = new HealthBoard(store, () => now);
    assert.equal(restarted.gate('web-api', 'h1').kind, 'looping');
    assert.equal(restarted.retry('web-api'), true);
    assert.equal(new HealthBoard(store, () => now).gate('web-api', 'h1').kind, 'go');
    for (let i = 0; i < 5; i++) board.died('web-db', 'h1');
    const again = new HealthBoard(store, () => now);
    again.specIs('web-db', 'h2');
    assert.equal(new HealthBoard(store, () => now).gate('web-db', 'h1').kind, 'go', 'a new spec forgets it');
  });
});
