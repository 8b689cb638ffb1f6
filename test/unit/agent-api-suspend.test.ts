/**
 * POST /v1/suspend and /v1/resume on the in-memory runtime: operate role only; the
 * suspension is recorded with the token's name and shown by /v1/status, /v1/services, /v1/ps
 * and the events; a second suspend keeps the first; a resume of nothing is no error; bad
 * bodies are clear 400s; a wait answers with the pass that followed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type ApiToken, tokenDigest } from '../../src/agent/api/auth.js';
import { type ApiServer, startApi } from '../../src/agent/api/server.js';
import { silentLogger } from '../../src/log.js';
import type { PsAnswer, ServicesAnswer, StatusAnswer, SuspendAnswer } from '../../src/wire/api.js';
import { type Harness, harness } from '../support/agent-harness.js';
import { service } from '../support/plan-builders.js';

const tokens: ApiToken[] = [
  { name: 'viewer', sha256: tokenDigest('read-token'), role: 'read' },
  { name: 'alice', sha256: tokenDigest('operate-token'), role: 'operate' },
];

describe('agent API: suspend and resume', () => {
  let h: Harness;
  let api: ApiServer;
  const triggers: string[] = [];
  const retried: string[] = [];
  const call = async <T>(path: string, token: string, body?: unknown) => {
    const res = await fetch(`${api.url}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${token}` },
      ...(body !== undefined && { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as T };
  };

  before(async () => {
    h = await harness();
    const services = [service('dns', ['server']), service('wiki', ['api'])];
    for (const s of services) for (const c of s.components) h.runtime.addImage(c.image);
    h.serve(services, 'abc1234def');
    await h.pass();
    api = await startApi(
      {
        node: 'rift',
        source: 'test',
        store: h.store,
        runtimes: [h.runtime],
        filesRoot: '/nonexistent',
        adopt: async () => [],
        retry: (name) => retried.push(name) > 0,
        trigger: async (reason) => {
          triggers.push(reason);
          await h.pass();
        },
      },
      { listen: '127.0.0.1:0', tokens },
      silentLogger,
    );
  });
  after(() => api.close());

  it('refuses a read token, and changes nothing', async () => {
    const r = await call<{ error: { code: string } }>('/v1/suspend', 'read-token', { service: 'wiki' });
    assert.equal(r.status, 403);
    assert.equal(r.body.error.code, 'FORBIDDEN');
    assert.deepEqual(h.store.suspensions(), []);
  });

  it('refuses bad bodies with a clear 400 and an unknown service with a 404', async () => {
    const bad = async (body: unknown, message: RegExp) => {
      const r = await call<{ error: { code: string; message: string } }>(
        '/v1/suspend',
        'operate-token',
        body,
      );
      assert.equal(r.status, 400, JSON.stringify(r.body));
      assert.equal(r.body.error.code, 'USAGE');
      assert.match(r.body.error.message, message);
    };
    await bad('{', /not JSON/);
    await bad([], /JSON object/);
    await bad({ service: 'Wiki/../x' }, /DNS label/);
    await bad({ servce: 'wiki' }, /unknown key "servce"/);
    await bad({ reason: 'a\nb' }, /one line/);
    await bad({ reason: 'x'.repeat(201) }, /at most 200/);
    const missing = await call<{ error: { code: string } }>('/v1/suspend', 'operate-token', {
      service: 'nope',
    });
    assert.equal(missing.status, 404);
    assert.deepEqual(h.store.suspensions(), []);
  });

  it('suspends a service in the name of the token, shows it on every read endpoint, and keeps the first of two', async () => {
    const r = await call<SuspendAnswer>('/v1/suspend?wait=true', 'operate-token', {
      service: 'wiki',
      reason: 'db migration',
    });
    assert.equal(r.status, 200);
    assert.equal(r.body.changed, true);
    assert.equal(r.body.suspension?.by, 'alice');
    assert.equal(r.body.suspension?.reason, 'db migration');
    assert.ok(r.body.lastPass, 'wait: the pass that followed');
    const again = await call<SuspendAnswer>('/v1/suspend', 'operate-token', {
      service: 'wiki',
      reason: 'other',
    });
    assert.equal(again.body.changed, false);
    assert.deepEqual(again.body.suspension, r.body.suspension);

    const status = await call<StatusAnswer>('/v1/status', 'read-token');
    assert.deepEqual(status.body.suspensions, [r.body.suspension]);
    const services = await call<ServicesAnswer>('/v1/services', 'read-token');
    const byName = new Map(services.body.services.map((s) => [s.name, s.suspended]));
    assert.deepEqual(byName.get('wiki'), r.body.suspension);
    assert.equal(byName.get('dns'), null);
    const ps = await call<PsAnswer>('/v1/ps', 'read-token');
    assert.deepEqual(ps.body.instances.find((i) => i.name === 'wiki-api')?.suspended, r.body.suspension);
    assert.equal(ps.body.instances.find((i) => i.name === 'dns-server')?.suspended, null);
    const [event] = h.store.events(1);
    assert.equal(event.kind, 'suspended');
    assert.match(event.message, /^service wiki suspended since \S+ by alice: db migration$/);
  });

  it('resumes in the name of the token; a resume of nothing suspended changes nothing', async () => {
    const r = await call<SuspendAnswer>('/v1/resume', 'operate-token', { service: 'wiki' });
    assert.equal(r.status, 200);
    assert.equal(r.body.changed, true);
    assert.equal(r.body.suspension?.reason, 'db migration');
    assert.deepEqual(h.store.suspensions(), []);
    assert.deepEqual(retried, ['wiki-api'], 'a resume is a retry of what was held: its back-offs forgotten');
    assert.equal(h.store.events(1)[0].kind, 'resumed');
    assert.match(h.store.events(1)[0].message, /^service wiki resumed by alice/);
    const none = await call<SuspendAnswer>('/v1/resume', 'operate-token', {});
    assert.deepEqual(none.body, { node: 'rift', suspension: null, changed: false });
    assert.ok(triggers.includes('resume by alice'));
  });

  it('suspends the whole node with an empty body', async () => {
    const r = await call<SuspendAnswer>('/v1/suspend', 'operate-token', '');
    assert.equal(r.body.suspension?.scope, 'node');
    assert.equal(r.body.suspension?.target, 'rift');
    assert.equal(r.body.suspension?.reason, '');
    const ps = await call<PsAnswer>('/v1/ps', 'read-token');
    assert.ok(ps.body.instances.every((i) => i.suspended?.scope === 'node'));
    await call('/v1/resume', 'operate-token', '');
    assert.deepEqual(h.store.suspensions(), []);
  });
});
