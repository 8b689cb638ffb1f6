/**
 * The agent endpoints behind login, restart, service show/export and plan --live, on the
 * in-memory runtime: who a token is; a restart is recorded with the token that asked and needs
 * the operate role; the spec in force; a posted revision is planned against what runs, drift
 * included, and nothing is applied; an invalid one is a 422 naming every error.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ActivityRecord } from '../../src/agent/activity.js';
import { type ApiToken, tokenDigest } from '../../src/agent/api/auth.js';
import { type ApiServer, startApi } from '../../src/agent/api/server.js';
import { planPosted } from '../../src/agent/live-plan.js';
import { inProcessLoader } from '../../src/agent/revision-loader.js';
import { silentLogger } from '../../src/log.js';
import { type Harness, harness, running } from '../support/agent-harness.js';
import { service } from '../support/plan-builders.js';

const tokens: ApiToken[] = [
  { name: 'viewer', sha256: tokenDigest('read-token'), role: 'read' },
  { name: 'alice', sha256: tokenDigest('operate-token'), role: 'operate' },
];

const file = (name: string, image: string) => ({
  path: `services/${name}.toml`,
  text: `name = "${name}"\nnode = "rift"\n\n[[components]]\nname = "main"\nimage = "${image}"\n`,
});

describe('agent API for the operator CLI', () => {
  const retried: string[] = [];
  let h: Harness;
  let api: ApiServer;
  const call = async (path: string, token: string, init: RequestInit = {}) => {
    const res = await fetch(`${api.url}${path}`, { ...init, headers: { authorization: `Bearer ${token}` } });
    return { status: res.status, body: await res.json() };
  };

  before(async () => {
    h = await harness();
    const services = [service('dns', ['server']), service('wiki', ['api'])];
    for (const s of services) for (const c of s.components) h.runtime.addImage(c.image);
    h.serve(services, 'abc1234def');
    await h.pass();
    const deps = { node: 'rift', runtimes: { container: h.runtime }, store: h.store };
    api = await startApi(
      {
        node: 'rift',
        source: 'test',
        store: h.store,
        runtimes: [h.runtime],
        filesRoot: '/nonexistent',
        adopt: async () => [],
        trigger: async () => {},
        retry: (name) => retried.push(name) > 0,
        planFiles: (request) => planPosted(deps, inProcessLoader(), request),
      },
      { listen: '127.0.0.1:0', tokens },
      silentLogger,
    );
  });
  after(() => api.close());

  it('whoami names the token and its role', async () => {
    assert.deepEqual((await call('/v1/whoami', 'read-token')).body, {
      node: 'rift',
      token: 'viewer',
      role: 'read',
    });
    assert.equal((await call('/v1/whoami', 'wrong')).status, 401);
  });

  it('restart needs operate, restarts the instance and records who asked', async () => {
    assert.equal((await call('/v1/restart?service=wiki', 'read-token', { method: 'POST' })).status, 403);
    const id = h.runtime.list().find((i) => i.name === 'wiki-api')?.id;
    const r = await call('/v1/restart?service=wiki&component=api', 'operate-token', { method: 'POST' });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { node: 'rift', restarted: ['wiki-api'], by: 'alice' });
    assert.equal(
      h.runtime.list().find((i) => i.name === 'wiki-api')?.id,
      id,
      'the same instance, not a new one',
    );
    assert.ok(running(h.runtime).includes('wiki-api'));
    const [event] = h.store.events(1);
    assert.deepEqual([event.kind, event.name, event.data?.by], ['restarted', 'wiki-api', 'alice']);
    assert.deepEqual(retried, ['wiki-api'], 'a restart forgets a crash loop of the instance');
    const missing = await call('/v1/restart?service=wiki&component=nope', 'operate-token', {
      method: 'POST',
    });
    assert.equal(missing.status, 404);
    assert.match(missing.body.error.message, /wiki has no component nope \(components: api\)/);
  });

  it('a restart shows what it is doing to the instance in /v1/ps and /v1/services while it runs', async () => {
    const activity = new ActivityRecord();
    let release = () => {};
    const held = new Promise<void>((r) => {
      release = r;
    });
    let stopping = () => {};
    const inStop = new Promise<void>((r) => {
      stopping = r;
    });
    // The same runtime, its stop held until the test has looked: the moment under test is the test's.
    const gated = new Proxy(h.runtime, {
      get(target, prop) {
        if (prop === 'stop')
          return async (id: string, timeout: number) => {
            stopping();
            await held;
            return target.stop(id, timeout);
          };
        const value = Reflect.get(target, prop);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const server = await startApi(
      {
        node: 'rift',
        source: 'test',
        store: h.store,
        runtimes: [gated],
        filesRoot: '/nonexistent',
        adopt: async () => [],
        trigger: async () => {},
        activity: activity.get,
        progress: activity.set,
      },
      { listen: '127.0.0.1:0', tokens },
      silentLogger,
    );
    try {
      const ask = async (path: string, token = 'read-token', init: RequestInit = {}) =>
        (
          await fetch(`${server.url}${path}`, { ...init, headers: { authorization: `Bearer ${token}` } })
        ).json();
      const restarting = ask('/v1/restart?service=wiki&component=api', 'operate-token', { method: 'POST' });
      await inStop;
      const ps = await ask('/v1/ps');
      const api = ps.instances.find((i: { name: string }) => i.name === 'wiki-api');
      assert.equal(api.activity?.phase, 'stopping');
      const services = await ask('/v1/services');
      assert.equal(services.services[1].components[0].activity?.phase, 'stopping');
      release();
      assert.deepEqual((await restarting).restarted, ['wiki-api']);
      const after = (await ask('/v1/ps')).instances.find((i: { name: string }) => i.name === 'wiki-api');
      assert.equal(after.activity, null, 'nothing once it is done');
      assert.equal(after.state, 'running');
    } finally {
      release();
      await server.close();
    }
  });

  it('a server lets go of the runtime events it follows when it closes', async () => {
    let following = 0;
    const counted = new Proxy(h.runtime, {
      get(target, prop) {
        if (prop === 'onEvent')
          return (listener: Parameters<typeof target.onEvent>[0]) => {
            following++;
            const off = target.onEvent(listener);
            return () => {
              following--;
              off();
            };
          };
        const value = Reflect.get(target, prop);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const server = await startApi(
      {
        node: 'rift',
        source: 'test',
        store: h.store,
        runtimes: [counted],
        filesRoot: '/nonexistent',
        adopt: async () => [],
        trigger: async () => {},
      },
      { listen: '127.0.0.1:0', tokens },
      silentLogger,
    );
    assert.equal(following, 1, 'the uptime cache follows the runtime');
    await server.close();
    assert.equal(following, 0);
  });

  it('spec answers the normalised spec in force and its revision', async () => {
    const r = await call('/v1/spec?service=dns', 'read-token');
    assert.equal(r.body.revision, 'abc1234def');
    assert.equal(r.body.spec.components[0].name, 'server');
    assert.equal((await call('/v1/spec?service=mail', 'read-token')).status, 404);
  });

  it('plan answers what a posted revision would do against what runs now, applying nothing', async () => {
    await h.runtime.stop(h.runtime.list().find((i) => i.name === 'dns-server')!.id, 0);
    h.runtime.addImage('registry.example/new:v1');
    const body = JSON.stringify({ commit: 'feed', files: [file('dns', 'registry.example/new:v1')] });
    const before = JSON.stringify(h.runtime.list());
    const r = await call('/v1/plan', 'read-token', { method: 'POST', body });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const kinds = r.body.plan.stages.flat().map((a: { kind: string; name: string }) => `${a.kind} ${a.name}`);
    assert.deepEqual(kinds.sort(), ['create dns-main', 'remove dns-server', 'remove wiki-api']);
    assert.equal(r.body.plan.needsOverride, true, 'removing most of the node is flagged');
    assert.equal(JSON.stringify(h.runtime.list()), before);
  });

  it('plan of an invalid revision is 422 with every located error', async () => {
    const body = JSON.stringify({ files: [{ path: 'services/x.toml', text: 'name = "x"\nnode = \n' }] });
    const r = await call('/v1/plan', 'read-token', { method: 'POST', body });
    assert.equal(r.status, 422);
    assert.equal(r.body.error.code, 'INVALID_SPEC');
    assert.match(r.body.error.message, /services\/x\.toml:2:8: TOML syntax error/);
    assert.equal(
      (await call('/v1/plan', 'read-token', { method: 'POST', body: '{"files": 1}' })).status,
      400,
    );
  });

  it('restart refuses a name held by another node’s instance or a container MCP does not manage', async () => {
    const dns = h.runtime.list().find((i) => i.name === 'dns-server')!;
    await h.runtime.remove(dns.id);
    h.runtime.addUnmanaged('dns-server', {
      labels: { 'mcp.managed': 'true', 'mcp.service': 'dns', 'mcp.component': 'server', 'mcp.node': 'edge' },
    });
    const r = await call('/v1/restart?service=dns', 'operate-token', { method: 'POST' });
    assert.equal(r.status, 409);
    assert.match(r.body.error.message, /dns-server is held by an instance of node edge; not restarted/);
    assert.ok(running(h.runtime).includes('dns-server'), 'left alone');
  });
});
