/**
 * Suspension as a specification: the decision rule (what a suspension holds), whole passes
 * over the in-memory runtime (nothing acted on, drift and held changes reported, resume
 * converges in one pass), the registry keeping it across a restart, and no rollback decided
 * for a suspended service.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { openRegistry } from '../../src/adapters/sqljs/registry.js';
import { afterApply, HealthBoard } from '../../src/agent/health/index.js';
import { createMetrics } from '../../src/agent/metrics/index.js';
import { specHash } from '../../src/domain/hash.js';
import { passResult } from '../../src/domain/pass.js';
import {
  describeSuspension,
  heldBy,
  type Suspension,
  suspensionProblems,
} from '../../src/domain/suspension.js';
import { harness, running } from '../support/agent-harness.js';
import { component, service } from '../support/plan-builders.js';

const nodeWide: Suspension = {
  scope: 'node',
  target: 'rift',
  since: '2026-12-04T06:00:00.000Z',
  by: 'ops',
  reason: 'incident 42',
};
const wikiOnly: Suspension = {
  scope: 'service',
  target: 'wiki',
  since: '2026-12-04T06:01:00.000Z',
  by: 'alice',
  reason: '',
};

describe('the suspension rule', () => {
  it('holds every action of a suspended service, and none of another service', () => {
    for (const kind of ['create', 'recreate', 'start', 'stop', 'remove', 'adopt'] as const) {
      assert.equal(heldBy({ kind, service: 'wiki' }, [wikiOnly]), wikiOnly, kind);
      assert.equal(heldBy({ kind, service: 'dns' }, [wikiOnly]), undefined, kind);
    }
  });

  it('holds every service of a suspended node, naming the node before a service of its own', () => {
    assert.equal(heldBy({ kind: 'create', service: 'dns' }, [nodeWide]), nodeWide);
    assert.equal(heldBy({ kind: 'create', service: 'wiki' }, [wikiOnly, nodeWide]), nodeWide);
  });

  it('never holds a conflict (a report), and an unchanged instance only when health would act on it', () => {
    assert.equal(heldBy({ kind: 'conflict', service: 'wiki' }, [nodeWide]), undefined);
    assert.equal(heldBy({ kind: 'unchanged', service: 'wiki' }, [nodeWide]), undefined);
    assert.equal(heldBy({ kind: 'unchanged', service: 'wiki' }, [nodeWide], true), nodeWide);
  });

  it('says since when, by whom and why, and leaves out an empty reason', () => {
    assert.equal(
      describeSuspension(nodeWide),
      'suspended since 2026-12-04T06:00:00.000Z by ops: incident 42',
    );
    assert.equal(describeSuspension(wikiOnly), 'suspended since 2026-12-04T06:01:00.000Z by alice');
  });

  it('makes a pass that held something degraded, with one SUSPENDED problem naming what it held', () => {
    const results = [
      {
        name: 'wiki-web',
        service: 'wiki',
        action: 'create',
        outcome: 'skipped',
        reason: 'x',
        drift: true,
        durationMs: 0,
        held: true,
      },
      {
        name: 'dns-server',
        service: 'dns',
        action: 'unchanged',
        outcome: 'unchanged',
        reason: 'y',
        drift: false,
        durationMs: 0,
      },
    ] as const;
    const problems = suspensionProblems([wikiOnly], results);
    assert.deepEqual(problems, [
      {
        code: 'SUSPENDED',
        message: `service wiki ${describeSuspension(wikiOnly)}; holds create wiki-web (drift) until mcp resume`,
        name: 'wiki',
      },
    ]);
    const counts = {
      created: 0,
      recreated: 0,
      adopted: 0,
      started: 0,
      stopped: 0,
      removed: 0,
      unchanged: 1,
      conflict: 0,
      skipped: 1,
      failed: 0,
    };
    assert.equal(passResult({ counts, errors: problems, unhealthy: [], waiting: 0 }), 'degraded');
  });
});

const platform = (wikiImage = 'registry.example:8443/wiki-api:v1.0.0') => [
  service('dns', ['server']),
  service('wiki', [
    component('wiki', 'api', { image: wikiImage }),
    component('wiki', 'web', { dependsOn: ['api'] }),
  ]),
];

const converged = async () => {
  const h = await harness();
  for (const s of platform()) for (const c of s.components) h.runtime.addImage(c.image);
  h.runtime.addImage('registry.example:8443/wiki-api:v2.0.0');
  h.runtime.addImage('registry.example:8443/dns-server:v2.0.0');
  h.serve(platform(), 'c1');
  assert.equal((await h.pass()).status.result, 'converged');
  return h;
};

describe('a pass while something is suspended', () => {
  it('acts on nothing of a suspended service, reports its drift and the held change, and converges in one pass on resume', async () => {
    const h = await converged();
    h.store.suspend(wikiOnly);
    h.runtime.removeByHand('wiki-web');
    const changed = platform('registry.example:8443/wiki-api:v2.0.0');
    changed[0].components[0] = component('dns', 'server', {
      image: 'registry.example:8443/dns-server:v2.0.0',
    });
    h.serve(changed, 'c2');
    const before = h.runtime.list().find((i) => i.name === 'wiki-api')?.image;

    const held = await h.pass();

    const outcome = (name: string) => held.changes?.results.find((r) => r.name === name);
    assert.equal(outcome('dns-server')?.outcome, 'recreated', 'a service not suspended still converges');
    assert.equal(outcome('wiki-api')?.outcome, 'skipped');
    assert.equal(outcome('wiki-api')?.action, 'recreate');
    assert.equal(outcome('wiki-web')?.outcome, 'skipped');
    assert.equal(outcome('wiki-web')?.drift, true);
    assert.match(outcome('wiki-web')?.reason ?? '', /^suspended since .* by alice \(held: create, /);
    assert.equal(h.runtime.list().find((i) => i.name === 'wiki-api')?.image, before, 'not recreated');
    assert.deepEqual(running(h.runtime), ['dns-server', 'wiki-api']);
    assert.equal(held.status.result, 'degraded');
    assert.match(held.status.summary, /held by suspension: recreate wiki-api, create wiki-web$/);
    const problem = held.status.errors.find((e) => e.code === 'SUSPENDED');
    assert.match(
      problem?.message ?? '',
      /^service wiki suspended since .*; holds recreate wiki-api, create wiki-web \(drift\)/,
    );
    const events = h.store.events(20).filter((e) => e.kind === 'skipped');
    assert.deepEqual(events.map((e) => e.name).sort(), ['wiki-api', 'wiki-web']);

    const again = await h.pass();
    assert.equal(again.status.result, 'degraded', 'a new pass does not lift it');
    assert.equal(
      h.store.events(50).filter((e) => e.kind === 'skipped').length,
      2,
      'a standing hold is one event',
    );

    assert.deepEqual(h.store.resume('service', 'wiki'), wikiOnly);
    const resumed = await h.pass();
    assert.equal(resumed.status.result, 'converged');
    assert.deepEqual(running(h.runtime), ['dns-server', 'wiki-api', 'wiki-web']);
    assert.equal(
      h.runtime.list().find((i) => i.name === 'wiki-api')?.image,
      'registry.example:8443/wiki-api:v2.0.0',
    );
  });

  it('holds the removals and creates of a suspended node, and calls the runtime for nothing', async () => {
    const h = await converged();
    h.store.suspend(nodeWide);
    h.runtime.stopByHand('dns-server');
    h.serve([service('paste', ['app']), ...platform().slice(1)], 'c2');
    h.runtime.addImage(component('paste', 'app').image);
    const calls = h.runtime.apiCalls();

    const report = await h.pass();

    assert.equal(h.runtime.apiCalls(), calls, 'no create, start, stop or remove');
    const byName = new Map(report.changes?.results.map((r) => [r.name, r]));
    assert.equal(byName.get('dns-server')?.action, 'remove');
    assert.equal(byName.get('dns-server')?.outcome, 'skipped');
    assert.equal(byName.get('paste-app')?.action, 'create');
    assert.equal(byName.get('paste-app')?.outcome, 'skipped');
    assert.equal(byName.get('wiki-api')?.outcome, 'unchanged');
    assert.match(
      report.status.errors[0]?.message ?? '',
      /^node rift suspended since .* by ops: incident 42; holds /,
    );
    assert.equal(report.status.errors[0]?.name, undefined);
  });

  it('reads the suspensions as a pass starts: a resume during a pass is applied by the next one, which resume reports', async () => {
    const h = await converged();
    h.store.suspend(nodeWide);
    h.runtime.removeByHand('wiki-web');
    const underWay = h.pass();
    assert.deepEqual(h.store.resume('node', 'rift'), nodeWide, 'lifted while the pass is under way');
    const held = await underWay;
    assert.equal(held.status.result, 'degraded', 'the pass under way still holds');
    assert.equal(held.changes?.results.find((r) => r.name === 'wiki-web')?.outcome, 'skipped');
    assert.deepEqual(running(h.runtime), ['dns-server', 'wiki-api']);

    const next = await h.pass();
    assert.equal(next.status.result, 'converged');
    assert.equal(next.changes?.results.find((r) => r.name === 'wiki-web')?.outcome, 'created');

    h.runtime.removeByHand('wiki-api');
    const again = h.pass();
    h.store.suspend(nodeWide);
    const healed = (await again).changes?.results.find((r) => r.name === 'wiki-api');
    assert.equal(healed?.outcome, 'created', 'a suspend during a pass holds from the next pass on');
    h.runtime.removeByHand('wiki-api');
    const after = await h.pass();
    assert.equal(after.changes?.results.find((r) => r.name === 'wiki-api')?.outcome, 'skipped');
  });

  it('is converged while suspended when nothing differs: the suspension holds nothing', async () => {
    const h = await converged();
    h.store.suspend(nodeWide);
    const report = await h.pass();
    assert.equal(report.status.result, 'converged');
    assert.deepEqual(report.status.errors, []);
  });
});

describe('the registry', () => {
  it('keeps suspensions across a restart, and a second suspend keeps the first', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcp-suspend-'));
    try {
      const path = join(dir, 'registry.db');
      const first = await openRegistry(path);
      assert.equal(first.suspend(wikiOnly), undefined);
      assert.deepEqual(first.suspend({ ...wikiOnly, by: 'bob', reason: 'later' }), wikiOnly);
      first.suspend(nodeWide);
      await first.flush();
      first.close();
      const second = await openRegistry(path);
      assert.deepEqual(second.suspensions(), [nodeWide, wikiOnly]);
      assert.equal(second.resume('service', 'dns'), undefined);
      assert.deepEqual(second.resume('node', 'rift'), nodeWide);
      assert.deepEqual(second.suspensions(), [wikiOnly]);
      second.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('health of a suspended service', () => {
  it('decides no rollback: a crash-looping new spec is reported, the mark and the event left out', async () => {
    const spec = component('wiki', 'api', { image: 'registry.example:8443/wiki-api:v2.0.0' });
    const old = component('wiki', 'api');
    const run = async (suspended: boolean) => {
      const store = await openRegistry();
      let now = 0;
      const board = new HealthBoard(store, () => now);
      store.setLastHealthy({ name: 'wiki-api', hash: specHash(old), spec: old, revision: 'c1' });
      for (const t of [0, 1000, 2000, 3000, 4000, 5000]) {
        now = t;
        board.died('wiki-api', specHash(spec));
      }
      const result = afterApply({
        store,
        board,
        node: 'rift',
        revision: { commit: 'c2', services: [service('wiki', [spec])] },
        planned: [service('wiki', [spec])],
        rolledBack: new Map(),
        observed: { instances: [], images: {} },
        results: [],
        now,
        suspended: () => suspended,
      });
      return { result, failed: store.failedSpecs().size, events: store.events(10).map((e) => e.kind) };
    };
    const free = await run(false);
    assert.equal(free.failed, 1, 'not suspended: rolled back');
    assert.ok(free.events.includes('rolled-back'));
    const held = await run(true);
    assert.equal(held.failed, 0);
    assert.equal(held.result.requeue, false);
    assert.ok(!held.events.includes('rolled-back'));
    assert.deepEqual(
      held.result.unhealthy.map((u) => u.state),
      ['crash-looping'],
    );
  });
});

describe('the metrics', () => {
  it('give each suspension in force its since time, by scope and target, and none once resumed', async () => {
    const store = await openRegistry();
    const metrics = createMetrics({ store, source: 'test', runtimes: [] });
    try {
      store.suspend(wikiOnly);
      const line = (text: string) =>
        text.split('\n').find((l) => l.startsWith('mcp_suspended_since_timestamp_seconds{'));
      assert.equal(
        line(await metrics.text()),
        `mcp_suspended_since_timestamp_seconds{scope="service",target="wiki"} ${Date.parse(wikiOnly.since) / 1000}`,
      );
      store.resume('service', 'wiki');
      await new Promise((r) => setTimeout(r, 150)); // past the 100 ms a rendering is shared
      assert.equal(line(await metrics.text()), undefined);
    } finally {
      metrics.close();
    }
  });
});
