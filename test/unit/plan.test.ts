import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { McpError } from '../../src/domain/errors.js';
import { nodeView } from '../../src/domain/node-view.js';
import type { InventoryEntry, Observed } from '../../src/domain/observed.js';
import { type PlanInput, plan } from '../../src/domain/plan.js';
import type { Plan } from '../../src/domain/plan-types.js';
import type { ServiceSpec } from '../../src/domain/spec.js';
import { applyEffects, component, entryOf, imagesOf, instanceOf, service } from '../support/plan-builders.js';

const specsOf = (services: ServiceSpec[]) => services.flatMap((s) => s.components);
const input = (
  services: ServiceSpec[],
  observed: Partial<Observed> = {},
  inventory: InventoryEntry[] = [],
) => ({
  node: 'rift',
  revision: 'abc1234',
  services,
  observed: { instances: [], images: imagesOf(specsOf(services)), ...observed },
  inventory,
});
const kinds = (p: Plan) => p.stages.map((stage) => stage.map((a) => `${a.kind} ${a.name}`));
const deepFreeze = <T>(value: T): T => {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
};

/** A node in every state the planner knows: drift, orphans, conflicts, inactive services. */
function messyNode(): PlanInput {
  const db = service('db', ['main']);
  const app = service('app', ['api', component('app', 'web', { dependsOn: ['api'] })], { dependsOn: ['db'] });
  const cache = service('cache', ['main'], { active: false });
  const gone = component('gone', 'main');
  const services = [db, app, cache];
  const [dbMain, appApi, appWeb, cacheMain] = specsOf(services);
  const oldWeb = { ...appWeb, image: 'registry.example:8443/app-web:v0.9.0' };
  return input(
    services,
    {
      instances: [
        instanceOf(dbMain, { state: 'exited' }),
        instanceOf(appApi, { imageId: 'sha256:old' }),
        instanceOf(oldWeb),
        instanceOf(cacheMain),
        instanceOf(gone),
        { ...instanceOf(component('stray', 'x')), labels: {} },
      ],
    },
    [entryOf(dbMain), entryOf(appApi), entryOf(oldWeb), entryOf(cacheMain), entryOf(gone)],
  );
}

describe('plan: purity', () => {
  it('does not mutate its input', () => {
    const given = messyNode();
    const before = structuredClone(given);

    plan(deepFreeze(given));

    assert.deepEqual(given, before);
  });

  it('returns the same plan for the same input in any order', () => {
    const given = messyNode();
    const shuffled = {
      ...given,
      services: [...given.services].reverse(),
      observed: { ...given.observed, instances: [...given.observed.instances].reverse() },
      inventory: [...given.inventory].reverse(),
    };

    assert.deepEqual(plan(shuffled), plan(given));
  });
});

describe('plan: idempotence', () => {
  it('converges from an empty node in one apply', () => {
    const given = input([service('db', ['main']), service('app', ['api', 'web'], { dependsOn: ['db'] })]);
    const first = plan(given);
    const after = applyEffects(first, given.observed, given.inventory);

    const second = plan({ ...given, ...after });

    assert.equal(first.counts.created, 3);
    assert.equal(second.counts.unchanged, 3);
    assert.equal(second.stages.flat().length, 3);
  });

  it('converges from drift, orphans and inactive services in one apply', () => {
    const given = messyNode();
    const first = plan(given);
    const after = applyEffects(first, given.observed, given.inventory);

    const second = plan({ ...given, ...after });

    assert.deepEqual(
      second.stages.flat().map((a) => a.kind),
      second.stages.flat().map(() => 'unchanged'),
    );
  });

  it('leaves a conflict a conflict, taking no other action', () => {
    const web = service('web', ['api']);
    const squatter = { ...instanceOf(web.components[0]), labels: {} };
    const given = input([web], { instances: [squatter] });
    const after = applyEffects(plan(given), given.observed, given.inventory);

    assert.deepEqual(kinds(plan({ ...given, ...after })), [['conflict web-api']]);
  });
});

describe('plan: ordering', () => {
  it('starts dependencies before their dependents, across services and components', () => {
    const db = service('db', ['main']);
    const app = service('app', ['api', component('app', 'web', { dependsOn: ['api'] })], {
      dependsOn: ['db'],
    });

    assert.deepEqual(kinds(plan(input([app, db]))), [
      ['create db-main'],
      ['create app-api'],
      ['create app-web'],
    ]);
  });

  it('ignores dependencies on services of other nodes', () => {
    const dns = service('dns', ['main'], { node: 'vade' });
    const app = service('app', ['api'], { dependsOn: ['dns'] });

    assert.deepEqual(kinds(plan(input([dns, app]))), [['create app-api']]);
  });

  it('names the cycle when dependencies form one', () => {
    const a = service('a', ['x'], { dependsOn: ['b'] });
    const b = service('b', ['x'], { dependsOn: ['a'] });

    assert.throws(
      () => plan(input([a, b])),
      (err: unknown) =>
        err instanceof McpError &&
        err.code === 'INVALID_SPEC' &&
        err.message === 'dependency cycle: a-x -> b-x -> a-x',
    );
  });

  it('names a cycle between components of one service', () => {
    const s = service('s', [
      component('s', 'a', { dependsOn: ['b'] }),
      component('s', 'b', { dependsOn: ['a'] }),
    ]);

    assert.throws(() => plan(input([s])), /dependency cycle: s-a -> s-b -> s-a/);
  });

  it('tolerates a cycle in the stale inventory specs of orphans', () => {
    const a = component('old', 'a', { dependsOn: ['b'] });
    const b = component('old', 'b', { dependsOn: ['a'] });
    const given = input([], { instances: [instanceOf(a), instanceOf(b)] }, [entryOf(a), entryOf(b)]);

    assert.equal(plan(given).counts.removed, 2);
  });

  it('handles a dependency chain of twenty thousand services without overflowing the stack', () => {
    const chain = Array.from({ length: 20_000 }, (_, i) =>
      service(`s${i}`, ['c'], { dependsOn: i ? [`s${i - 1}`] : [] }),
    );

    assert.equal(plan(input(chain)).stages.length, 20_000);
  });
});

describe('plan: one revision, many passes', () => {
  // What the planner works out per revision is kept for the next pass over the same list.
  it('plans a list again as a fresh copy of it would be planned, after a pass that had an orphan', () => {
    const services = [service('db', ['main']), service('app', ['api'], { dependsOn: ['db'] })];
    const gone = component('gone', 'main');
    const withOrphan = plan(input(services, { instances: [instanceOf(gone)] }, [entryOf(gone)]));

    const again = plan(input(services));

    assert.equal(withOrphan.counts.removed, 1);
    assert.equal(nodeView(services, 'rift').graph.has('gone-main'), false);
    assert.deepEqual(again, plan(input(structuredClone(services))));
    assert.deepEqual(kinds(again), [['create db-main'], ['create app-api']]);
  });

  it('rejects a cycle on every pass over the same list', () => {
    const s = service('s', [
      component('s', 'a', { dependsOn: ['b'] }),
      component('s', 'b', { dependsOn: ['a'] }),
    ]);
    const given = input([s]);

    assert.throws(() => plan(given), /dependency cycle/);
    assert.throws(() => plan(given), /dependency cycle/);
  });

  it('plans each node of one list on its own', () => {
    const services = [service('db', ['main']), service('web', ['main'], { node: 'other' })];

    assert.deepEqual(kinds(plan(input(services))), [['create db-main']]);
    assert.deepEqual(kinds(plan({ ...input(services), node: 'other' })), [['create web-main']]);
  });
});

describe('plan: shape', () => {
  it('counts every action exactly once', () => {
    const p = plan(messyNode());

    const total = Object.values(p.counts).reduce((a, b) => a + b, 0);

    assert.equal(total, p.stages.flat().length);
  });

  it('gives every action on an existing instance its id, and none to a create', () => {
    const given = messyNode();
    const existing = new Set(given.observed.instances.map((i) => i.name));

    for (const action of plan(given).stages.flat()) {
      assert.equal(action.id !== undefined, existing.has(action.name), action.name);
    }
  });

  it('carries the revision and the node', () => {
    const p = plan(input([]));

    assert.equal(p.node, 'rift');
    assert.equal(p.revision, 'abc1234');
    assert.deepEqual(p.stages, []);
  });
});

describe('plan: mass-removal guard', () => {
  const fleet = (n: number) => Array.from({ length: n }, (_, i) => component(`svc${i}`, 'main'));
  const withRunning = (specs: ReturnType<typeof fleet>, keep: number) =>
    input(
      specs.slice(0, keep).map((s) => service(s.service, [s])),
      { instances: specs.map((s) => instanceOf(s)) },
      specs.map(entryOf),
    );

  for (const [services, removed, expected] of [
    [1, 1, true],
    [2, 1, false],
    [3, 2, true],
    [4, 2, false],
    [5, 3, true],
    [3, 0, false],
  ] as const) {
    it(`${expected ? 'needs' : 'does not need'} an override to remove ${removed} of ${services} services`, () => {
      const p = plan(withRunning(fleet(services), services - removed));

      assert.equal(p.counts.removed, removed);
      assert.equal(p.needsOverride, expected);
    });
  }

  it('does not count a service that keeps one of its instances as removed', () => {
    const keep = component('web', 'api');
    const drop = component('web', 'old');
    const given = input([service('web', [keep])], { instances: [instanceOf(keep), instanceOf(drop)] }, [
      entryOf(keep),
      entryOf(drop),
    ]);

    assert.equal(plan(given).needsOverride, false);
  });

  it('does not count instances MCP has no inventory of', () => {
    const inventoried = component('a', 'main');
    const unknown = [component('b', 'main'), component('c', 'main')];
    const given = input([], { instances: [instanceOf(inventoried), ...unknown.map((s) => instanceOf(s))] }, [
      entryOf(inventoried),
    ]);

    const p = plan(given);

    assert.equal(p.counts.removed, 1);
    assert.equal(p.needsOverride, true);
  });
});

describe('plan: ownership of names', () => {
  const web = service('web', ['main']);
  const [spec] = specsOf([web]);

  it('a container without labels under a name MCP never created is a conflict', () => {
    const stranger = instanceOf(spec, { labels: {} });
    const p = plan(input([web], { instances: [stranger] }));
    assert.deepEqual(kinds(p), [['conflict web-main']]);
  });

  it('a container without labels under a name the inventory owns was recreated by hand: recreate it', () => {
    const byHand = instanceOf(spec, { labels: {} });
    const p = plan(input([web], { instances: [byHand] }, [entryOf(spec)]));
    const [action] = p.stages[0];
    assert.equal(action.kind, 'recreate');
    assert.equal(action.drift, true);
    assert.equal(action.reason, 'recreated outside MCP without labels');
  });

  it('a labelled container running another image than its spec is recreated, by image id', () => {
    const swapped = instanceOf(spec, { image: 'registry.example:8443/other:v9', imageId: 'sha256:other' });
    const p = plan(input([web], { instances: [swapped] }, [entryOf(spec)]));
    const [action] = p.stages[0];
    assert.equal(action.kind, 'recreate');
    assert.deepEqual(action.changes, [
      { field: 'image-id', from: 'sha256:other', to: `sha256:${spec.image}` },
    ]);
  });

  it('an image name the runtime rewrote to its full form is not a change', () => {
    const short = { ...spec, image: 'busybox:1.36' };
    const rewritten = instanceOf(short, { image: 'docker.io/library/busybox:1.36' });
    const p = plan(input([service('web', [short])], { instances: [rewritten] }, [entryOf(short)]));
    assert.deepEqual(kinds(p), [['unchanged web-main']]);
  });
});
