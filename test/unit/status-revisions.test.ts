/**
 * GET /v1/status keeps three revisions apart: the one applied by the last finished pass, the
 * one a pass is applying now, and the newest seen with its fate (applied, applying, rejected
 * with every located error, held with what it would remove). A held mass removal keeps the
 * applied revision desired (and healed) until an operator releases it through the API.
 */
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { type ApiToken, tokenDigest } from '../../src/agent/api/auth.js';
import { type ApiServer, startApi } from '../../src/agent/api/server.js';
import type { StatusBody } from '../../src/agent/api/status.js';
import { silentLogger } from '../../src/log.js';
import { type Harness, harness, running } from '../support/agent-harness.js';
import { service } from '../support/plan-builders.js';

const tokens: ApiToken[] = [
  { name: 'viewer', sha256: tokenDigest('read-token'), role: 'read' },
  { name: 'ops-alice', sha256: tokenDigest('operate-token'), role: 'operate' },
];

const OLD = 'a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1';
const NEW = 'b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2';

const servers: ApiServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

const serveApi = async (h: Harness) => {
  const api = await startApi(
    {
      node: 'rift',
      source: 'test',
      store: h.store,
      runtimes: [h.runtime],
      filesRoot: '/nonexistent',
      overrides: h.overrides,
      trigger: async () => void (await h.pass()),
    },
    { listen: '127.0.0.1:0', tokens },
    silentLogger,
  );
  servers.push(api);
  return async <T = StatusBody>(path: string, init: RequestInit & { token?: string } = {}) => {
    const res = await fetch(`${api.url}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${init.token ?? 'read-token'}` },
    });
    return { status: res.status, body: (await res.json()) as T };
  };
};

const five = () => ['a', 'b', 'c', 'd', 'e'].map((n) => service(n, ['app']));

const withImages = async (services = five()) => {
  const h = await harness();
  for (const s of services) for (const c of s.components) h.runtime.addImage(c.image);
  return h;
};

/** Five services applied at OLD, then NEW removes four of them: held. */
const heldOnNew = async () => {
  const h = await withImages();
  const call = await serveApi(h);
  h.serve(five(), OLD);
  await h.pass();
  h.serve(five().slice(0, 1), NEW);
  await h.pass();
  return { h, call };
};

test('during a pass, status names the applied revision, the one being applied and since when', async () => {
  const h = await withImages();
  const call = await serveApi(h);
  h.serve(five().slice(0, 2), OLD);
  await h.pass();

  // The pass over NEW blocks in its first create until the test has read the status.
  let entered!: () => void;
  const inCreate = new Promise<void>((r) => {
    entered = r;
  });
  let release!: () => void;
  const gate = new Promise<void>((r) => {
    release = r;
  });
  const create = h.runtime.create.bind(h.runtime);
  h.runtime.create = async (req) => {
    entered();
    await gate;
    return create(req);
  };
  h.serve(five(), NEW);
  const pass = h.pass();
  await inCreate;
  const during = (await call('/v1/status')).body;
  release();
  await pass;
  const done = (await call('/v1/status')).body;

  assert.equal(during.revision, OLD);
  assert.equal(during.applied?.commit, OLD);
  assert.equal(during.applying?.commit, NEW);
  assert.ok(Date.parse(during.applying?.since ?? '') > 0);
  assert.equal(during.newest?.commit, NEW);
  assert.equal(during.newest?.fate, 'applying');
  assert.equal(during.lastPass?.revision, OLD);

  assert.equal(done.revision, NEW);
  assert.equal(done.applied?.commit, NEW);
  assert.equal(done.applied?.result, 'converged');
  assert.equal(done.applying, null);
  assert.deepEqual([done.newest?.commit, done.newest?.fate], [NEW, 'applied']);
});

test('an invalid newest revision is rejected with every located error; the applied one stays', async () => {
  const h = await withImages();
  const call = await serveApi(h);
  h.serve(five(), OLD);
  await h.pass();
  h.serve({
    ok: false,
    commit: NEW,
    errors: [
      { file: 'services/a.toml', line: 3, column: 1, path: 'node', message: 'must be a string' },
      { file: 'services/b.toml', line: 9, column: 5, path: 'components[0].image', message: 'is required' },
    ],
  });
  await h.pass();
  const { body } = await call('/v1/status');
  assert.equal(body.applied?.commit, OLD);
  assert.equal(body.newest?.commit, NEW);
  assert.equal(body.newest?.fate, 'rejected');
  assert.deepEqual(
    body.newest?.errors.map((e) => e.message),
    ['services/a.toml:3:1 node: must be a string', 'services/b.toml:9:5 components[0].image: is required'],
  );
});

test('a held mass removal keeps the applied services desired, heals them, and says what it would remove', async () => {
  const { h, call } = await heldOnNew();
  h.runtime.stopByHand('c-app');
  const report = await h.pass();

  assert.deepEqual(running(h.runtime), ['a-app', 'b-app', 'c-app', 'd-app', 'e-app']);
  assert.equal(report.changes?.results.find((r) => r.name === 'c-app')?.outcome, 'started');
  const { body } = await call('/v1/status');
  assert.equal(body.applied?.commit, OLD);
  assert.equal(body.newest?.fate, 'held');
  assert.deepEqual(body.newest?.wouldRemove, ['b-app', 'c-app', 'd-app', 'e-app']);
  assert.equal(body.lastPass?.errors[0].code, 'NEEDS_OVERRIDE');
  const services = await call<{ services: { name: string }[] }>('/v1/services');
  assert.equal(services.body.services.length, 5);
});

test('POST /v1/reconcile?override=true releases the held revision, as an event naming the token', async () => {
  const { h, call } = await heldOnNew();

  const byReader = await call('/v1/reconcile?override=true&wait=true', { method: 'POST' });
  assert.equal(byReader.status, 403);
  const released = await call('/v1/reconcile?override=true&wait=true', {
    method: 'POST',
    token: 'operate-token',
  });
  assert.equal(released.status, 200);

  assert.deepEqual(running(h.runtime), ['a-app']);
  const { body } = await call('/v1/status');
  assert.equal(body.applied?.commit, NEW);
  assert.equal(body.newest?.fate, 'applied');
  const events = await call<{ events: { kind: string; message: string }[] }>('/v1/events');
  const override = events.body.events.find((e) => e.kind === 'override');
  assert.match(override?.message ?? '', /released by token ops-alice \(operate\)/);
  assert.doesNotMatch(JSON.stringify(events.body), /operate-token/);

  const again = await call('/v1/reconcile?override=true', { method: 'POST', token: 'operate-token' });
  assert.equal(again.status, 409);
});
