/**
 * The agent's HTTP API over a real socket, in front of the in-memory runtime and a real
 * registry: every endpoint but health needs a token of the right role, webhooks need a valid
 * signature, bodies are size-limited, and the answers say what the node runs.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { get } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ActivityRecord } from '../../src/agent/activity.js';
import { type ApiToken, tokenDigest } from '../../src/agent/api/auth.js';
import { type ApiServer, startApi } from '../../src/agent/api/server.js';
import { McpError } from '../../src/domain/errors.js';
import { countOutcomes } from '../../src/domain/outcome.js';
import type { NotHealthy } from '../../src/domain/pass.js';
import { silentLogger } from '../../src/log.js';
import { type Harness, harness } from '../support/agent-harness.js';
import { service } from '../support/plan-builders.js';
import { selfSignedCert } from '../support/tls.js';

const tokens: ApiToken[] = [
  { name: 'viewer', sha256: tokenDigest('read-token'), role: 'read' },
  { name: 'operator', sha256: tokenDigest('operate-token'), role: 'operate' },
];
const SECRET = 'hook-secret-of-at-least-16-bytes';
const sign = (body: string) => `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`;

describe('agent API', () => {
  const files = mkdtempSync(join(tmpdir(), 'mcp-files-'));
  let h: Harness;
  let api: ApiServer;
  const triggers: string[] = [];
  const activity = new ActivityRecord();

  const call = async (path: string, init: RequestInit & { token?: string } = {}) => {
    const headers = new Headers(init.headers);
    if (init.token) headers.set('authorization', `Bearer ${init.token}`);
    const res = await fetch(`${api.url}${path}`, { ...init, headers });
    return { status: res.status, headers: res.headers, body: await res.json() };
  };

  before(async () => {
    h = await harness();
    const services = [
      service('dns', ['server']),
      service('wiki', ['api', 'web']),
      service('mail', ['smtp'], { node: 'vade' }),
    ];
    for (const s of services) for (const c of s.components) h.runtime.addImage(c.image);
    h.serve(services, 'abc1234def');
    await h.pass();
    api = await startApi(
      {
        node: 'rift',
        source: 'http://git.example/services.git#main',
        branch: 'main',
        store: h.store,
        runtimes: [h.runtime],
        filesRoot: files,
        trigger: async (reason) => {
          triggers.push(reason);
          await h.pass();
        },
        warm: () => triggers.push('warm'),
        adopt: (names) => {
          triggers.push(`adopt ${names.join(' ')}`);
          return h.adopt(names);
        },
        retry: (name) => name === 'wiki-api',
        activity: activity.get,
      },
      { listen: '127.0.0.1:0', tokens, webhookSecret: SECRET, bodyLimit: 4096 },
      silentLogger,
    );
  });
  after(() => api.close());

  it('answers health without a token, and nothing else', async () => {
    assert.deepEqual((await call('/v1/health')).body, { ok: true, node: 'rift' });
    const denied = await call('/v1/status');
    assert.equal(denied.status, 401);
    assert.equal(denied.headers.get('www-authenticate'), 'Bearer');
    assert.equal((await call('/v1/status', { token: 'guess' })).status, 401);
  });

  it('reports the node’s status: revision, source and the last pass', async () => {
    const { status, body } = await call('/v1/status', { token: 'read-token' });
    assert.equal(status, 200);
    assert.equal(body.revision, 'abc1234def');
    assert.equal(body.source, 'http://git.example/services.git#main');
    assert.equal(body.lastPass.result, 'converged');
  });

  it('lists this node’s services with each component’s state, and what runs', async () => {
    h.runtime.stopByHand('wiki-web');
    const { body } = await call('/v1/services', { token: 'read-token' });
    assert.deepEqual(
      body.services.map((s: { name: string; components: { instance: string; state: string }[] }) => [
        s.name,
        s.components.map((c) => `${c.instance} ${c.state}`),
      ]),
      [
        ['dns', ['dns-server running']],
        ['wiki', ['wiki-api running', 'wiki-web exited']],
      ],
    );
    const ps = await call('/v1/ps', { token: 'read-token' });
    assert.deepEqual(
      ps.body.instances.map((i: { name: string; revision: string }) => `${i.name} ${i.revision}`),
      ['dns-server abc1234def', 'wiki-api abc1234def', 'wiki-web abc1234def'],
    );
  });

  it('lists events, newest first, with a bounded limit', async () => {
    h.store.addEvent({ at: '2026-11-29T00:00:01Z', kind: 'started', name: 'dns-server', message: 'older' });
    h.store.addEvent({ at: '2026-11-29T00:00:02Z', kind: 'stopped', name: 'dns-server', message: 'newer' });
    const { body } = await call('/v1/events?limit=2', { token: 'read-token' });
    assert.deepEqual(
      body.events.map((e: { message: string }) => e.message),
      ['newer', 'older'],
    );
    assert.equal((await call('/v1/events?limit=0', { token: 'read-token' })).status, 400);
  });

  it('runs a pass on request for an operator only, and can wait for it', async () => {
    const forbidden = await call('/v1/reconcile', { method: 'POST', token: 'read-token' });
    assert.equal(forbidden.status, 403);
    assert.match(forbidden.body.error.message, /role read; this needs operate/);
    const { status, body } = await call('/v1/reconcile?wait=true', {
      method: 'POST',
      token: 'operate-token',
    });
    assert.equal(status, 200);
    assert.equal(body.lastPass.result, 'converged');
    assert.match(body.lastPass.summary, /1 started/, 'the stopped wiki-web was healed by that pass');
    assert.deepEqual(triggers.slice(-2), ['warm', 'api'], 'the loader readied before the pass');
  });

  it('shows each component’s health as recorded (none without a probe) in services and ps', async () => {
    const ps0 = await call('/v1/ps', { token: 'read-token' });
    const hash = ps0.body.instances.find((i: { name: string }) => i.name === 'dns-server');
    assert.equal(hash.health, 'none');
    const label = h.runtime.list().find((i) => i.name === 'dns-server')!.labels['mcp.spec-hash'];
    h.store.recordHealth('dns-server', { state: 'unhealthy', since: '2026-11-29T00:00:00Z', hash: label });
    const ps = await call('/v1/ps', { token: 'read-token' });
    assert.deepEqual(
      ps.body.instances.map((i: { name: string; health: string }) => `${i.name} ${i.health}`),
      ['dns-server unhealthy', 'wiki-api none', 'wiki-web none'],
    );
    h.store.recordHealth('dns-server', {
      state: 'healthy',
      since: '2026-11-29T00:00:00Z',
      hash: 'older-spec',
    });
    const stale = await call('/v1/ps', { token: 'read-token' });
    assert.equal(
      stale.body.instances[0].health,
      'none',
      'a record about another spec says nothing of this one',
    );
    h.store.recordHealth('dns-server', undefined);
    const services = await call('/v1/services', { token: 'read-token' });
    assert.deepEqual(
      services.body.services[0].components.map((c: { health: string; healthNote: string | null }) => [
        c.health,
        c.healthNote,
      ]),
      [['none', null]],
    );
  });

  it('gives the last pass’s note on a component, unless it names a health state the component has left', async () => {
    const noteOf = async () =>
      (await call('/v1/services', { token: 'read-token' })).body.services[0].components[0].healthNote;
    const pass = (unhealthy: NotHealthy[]) =>
      h.store.recordPass({
        at: '2026-11-29T00:00:00Z',
        result: 'degraded',
        summary: '',
        durationMs: 1,
        counts: countOutcomes([]),
        errors: [],
        unhealthy,
      });
    const before = h.store.lastPass()!;
    try {
      pass([{ name: 'dns-server', state: 'starting' }]);
      assert.equal(await noteOf(), null, 'its health is none now: the pass’s "starting" is stale');
      pass([{ name: 'dns-server', state: 'restarting', reason: 'back-off: died 1x, next start in 1 s' }]);
      assert.equal(await noteOf(), 'restarting: back-off: died 1x, next start in 1 s');
    } finally {
      h.store.recordPass(before);
    }
  });

  it('shows what a pass is doing to a component right now, and nothing once it is done', async () => {
    const phases = async () =>
      (await call('/v1/services', { token: 'read-token' })).body.services.flatMap(
        (s: { components: { instance: string; activity: { phase: string; since: string } | null }[] }) =>
          s.components.map((c) => [c.instance, c.activity?.phase ?? null]),
      );
    activity.set('wiki-api', 'pulling');
    assert.deepEqual(await phases(), [
      ['dns-server', null],
      ['wiki-api', 'pulling'],
      ['wiki-web', null],
    ]);
    const since = activity.get('wiki-api')!.since;
    const body = (await call('/v1/services', { token: 'read-token' })).body;
    assert.deepEqual(body.services[1].components[0].activity, { phase: 'pulling', since });
    activity.set('wiki-api', undefined);
    assert.deepEqual(
      (await phases()).map(([, p]: [string, string | null]) => p),
      [null, null, null],
    );
  });

  it('retries a crash-looping instance on request, and says when there is nothing to retry', async () => {
    const { status } = await call('/v1/reconcile?retry=wiki-api&wait=true', {
      method: 'POST',
      token: 'operate-token',
    });
    assert.equal(status, 200);
    assert.equal(triggers.at(-1), 'api, retry wiki-api');
    const none = await call('/v1/reconcile?retry=dns-server', { method: 'POST', token: 'operate-token' });
    assert.equal(none.status, 404);
    assert.match(
      none.body.error.message,
      /dns-server is not crash-looping, backing off or a failed pre-deploy job/,
    );
  });

  it('takes a signed push webhook for its branch, acknowledges others, and refuses a bad signature', async () => {
    const push = JSON.stringify({ ref: 'refs/heads/main', after: 'f00' });
    const hook = (body: string, headers: Record<string, string>) =>
      call('/v1/webhook', {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json', ...headers },
      });
    const accepted = await hook(push, { 'x-hub-signature-256': sign(push), 'x-github-event': 'push' });
    assert.equal(accepted.status, 202);
    assert.equal(accepted.body.triggered, true);
    assert.deepEqual(triggers.slice(-2), ['warm', 'webhook refs/heads/main']);
    const gitea = await hook(push, { 'x-gitea-signature': sign(push).slice(7) });
    assert.equal(gitea.body.triggered, true);
    const other = JSON.stringify({ ref: 'refs/heads/feature' });
    const asked = triggers.length;
    assert.equal((await hook(other, { 'x-hub-signature-256': sign(other) })).body.triggered, false);
    assert.equal(triggers.length, asked, 'a push to another branch neither readies nor triggers');
    assert.equal((await hook(push, { 'x-hub-signature-256': sign(`${push} `) })).status, 401);
    assert.equal((await hook(push, {})).status, 401);
  });

  it('refuses a body over the limit, an unknown path and a wrong method', async () => {
    const big = JSON.stringify({ ref: 'refs/heads/main', pad: 'x'.repeat(5000) });
    assert.equal(
      (
        await call('/v1/webhook', {
          method: 'POST',
          body: big,
          headers: { 'x-hub-signature-256': sign(big) },
        })
      ).status,
      413,
    );
    assert.equal((await call('/v1/nothing', { token: 'read-token' })).status, 404);
    const wrong = await call('/v1/status', { method: 'POST', token: 'operate-token' });
    assert.equal(wrong.status, 405);
    assert.equal(wrong.headers.get('allow'), 'GET');
  });

  it('pushes a file into the service’s directory and pulls it back, for the right roles only', async () => {
    const put = (path: string, body: string, token = 'operate-token') =>
      call(`/v1/files/${path}`, { method: 'PUT', body, token });
    const pushed = await put('wiki/conf/wiki.toml', 'title = "wiki"\n');
    assert.equal(pushed.status, 200);
    assert.deepEqual(pushed.body, { service: 'wiki', path: 'conf/wiki.toml', bytes: 15 });
    assert.equal(readFileSync(join(files, 'wiki', 'conf', 'wiki.toml'), 'utf8'), 'title = "wiki"\n');
    const pulled = await fetch(`${api.url}/v1/files/wiki/conf/wiki.toml`, {
      headers: { authorization: 'Bearer read-token' },
    });
    assert.equal(pulled.headers.get('content-type'), 'application/octet-stream');
    assert.equal(await pulled.text(), 'title = "wiki"\n');
    assert.equal((await put('wiki/x', 'y', 'read-token')).status, 403);
    assert.equal((await put('mail/x', 'y')).status, 404, 'a service of another node');
    assert.equal((await put('nosuch/x', 'y')).status, 404);
    assert.equal((await put('wiki/a%2Fb', 'y')).status, 400);
    assert.equal((await put('wiki', 'y')).status, 400);
    assert.equal((await call('/v1/files/wiki/conf/missing', { token: 'read-token' })).status, 404);
  });

  it('never writes or reads outside the service’s directory through a symbolic link', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'mcp-outside-'));
    writeFileSync(join(outside, 'secret'), 'not yours');
    mkdirSync(join(files, 'wiki'), { recursive: true });
    symlinkSync(outside, join(files, 'wiki', 'evil'));
    symlinkSync(join(outside, 'secret'), join(files, 'wiki', 'link.txt'));
    const put = (path: string) =>
      call(`/v1/files/${path}`, { method: 'PUT', body: 'x', token: 'operate-token' });
    const escaped = await put('wiki/evil/made/new.txt');
    assert.equal(escaped.status, 400);
    assert.match(escaped.body.error.message, /leads through the link evil to .*, outside /);
    assert.equal(existsSync(join(outside, 'made')), false, 'no directory created outside');
    assert.equal((await call('/v1/files/wiki/evil/secret', { token: 'read-token' })).status, 404);
    assert.equal((await call('/v1/files/wiki/link.txt', { token: 'read-token' })).status, 404);
    assert.equal(
      (await put('wiki/link.txt')).status,
      400,
      'a push is not written through a link that leaves',
    );
    assert.equal(readFileSync(join(outside, 'secret'), 'utf8'), 'not yours');
    assert.equal(lstatSync(join(files, 'wiki', 'link.txt')).isSymbolicLink(), true);
    rmSync(outside, { recursive: true, force: true });
  });

  it('follows links that stay inside the service’s directory, as openat2(RESOLVE_BENEATH) would, for push and pull', async () => {
    const wiki = join(files, 'wiki');
    mkdirSync(join(wiki, 'sub', 'deep'), { recursive: true });
    writeFileSync(join(wiki, 'sub', 'a.txt'), 'in sub');
    symlinkSync('sub', join(wiki, 'insub'));
    symlinkSync(join(realpathSync(wiki), 'sub'), join(wiki, 'abs'));
    symlinkSync('insub', join(wiki, 'chain'));
    symlinkSync('../a.txt', join(wiki, 'sub', 'deep', 'up.txt'));
    symlinkSync('sub/a.txt', join(wiki, 'alias.txt'));
    symlinkSync('../../..', join(wiki, 'sub', 'escape'));
    symlinkSync('loop2', join(wiki, 'loop1'));
    symlinkSync('loop1', join(wiki, 'loop2'));
    const get = async (path: string) => {
      const r = await fetch(`${api.url}/v1/files/wiki/${path}`, {
        headers: { authorization: 'Bearer read-token' },
      });
      return { status: r.status, text: await r.text() };
    };
    const put = (path: string, body: string) =>
      call(`/v1/files/wiki/${path}`, { method: 'PUT', body, token: 'operate-token' });
    try {
      for (const path of ['insub/a.txt', 'abs/a.txt', 'chain/a.txt', 'sub/deep/up.txt', 'alias.txt'])
        assert.deepEqual(await get(path), { status: 200, text: 'in sub' }, path);
      assert.equal((await put('insub/new.txt', 'via link')).status, 200);
      assert.equal(readFileSync(join(wiki, 'sub', 'new.txt'), 'utf8'), 'via link');
      assert.equal((await put('abs/deep/made/x.txt', 'made')).status, 200);
      assert.equal(readFileSync(join(wiki, 'sub', 'deep', 'made', 'x.txt'), 'utf8'), 'made');
      assert.equal((await put('alias.txt', 'through alias')).status, 200);
      assert.equal(
        readFileSync(join(wiki, 'sub', 'a.txt'), 'utf8'),
        'through alias',
        'the target is written',
      );
      assert.equal(lstatSync(join(wiki, 'alias.txt')).isSymbolicLink(), true, 'the link stays');
      const above = await put('sub/escape/x.txt', 'no');
      assert.equal(above.status, 400);
      assert.match(above.body.error.message, /leads above /);
      assert.equal((await get('sub/escape/wiki/sub/a.txt')).status, 404);
      const loop = await put('loop1/x.txt', 'no');
      assert.equal(loop.status, 400);
      assert.match(loop.body.error.message, /too many levels of symbolic links/);
    } finally {
      for (const n of ['sub', 'insub', 'abs', 'chain', 'alias.txt', 'loop1', 'loop2'])
        rmSync(join(wiki, n), { recursive: true, force: true });
    }
  });

  it('answers 503 for ps while the runtime cannot be observed', async () => {
    const down = new McpError('RUNTIME_UNAVAILABLE', 'podman socket refused the connection');
    h.runtime.failNext('observe', down);
    const ps = await call('/v1/ps', { token: 'read-token' });
    assert.equal(ps.status, 503);
    assert.deepEqual(ps.body.error, {
      code: 'RUNTIME_UNAVAILABLE',
      message: 'podman socket refused the connection',
      data: {},
    });
    h.runtime.failNext('observe', down);
    const services = await call('/v1/services', { token: 'read-token' });
    assert.equal(services.status, 200);
    assert.equal(services.body.runtimeError, 'podman socket refused the connection');
    assert.equal(services.body.services[0].components[0].state, 'unknown');
  });
});

describe('agent API over TLS, and its listen errors', () => {
  it('serves HTTPS with the configured certificate and key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcp-tls-'));
    try {
      selfSignedCert(dir);
      const h = await harness();
      const api = await startApi(
        {
          node: 'rift',
          source: 'test',
          store: h.store,
          runtimes: [h.runtime],
          trigger: async () => {},
          adopt: async () => [],
          filesRoot: '/nonexistent',
        },
        { listen: '127.0.0.1:0', tlsCert: join(dir, 'agent.crt'), tlsKey: join(dir, 'agent.key'), tokens },
        silentLogger,
      );
      try {
        assert.match(api.url, /^https:\/\/127\.0\.0\.1:\d+$/);
        const body = await new Promise<string>((resolve, reject) => {
          get(`${api.url}/v1/health`, { ca: readFileSync(join(dir, 'agent.crt')) }, (res) => {
            let text = '';
            res.on('data', (d) => {
              text += d;
            });
            res.on('end', () => resolve(text));
          }).on('error', reject);
        });
        assert.deepEqual(JSON.parse(body), { ok: true, node: 'rift' });
      } finally {
        await api.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses to start on an address in use, as a configuration error', async () => {
    const h = await harness();
    const ctx = {
      node: 'rift',
      source: 'test',
      store: h.store,
      runtimes: [h.runtime],
      filesRoot: '/nonexistent',
      trigger: async () => {},
      adopt: async () => [],
    };
    const first = await startApi(ctx, { listen: '127.0.0.1:0', tokens }, silentLogger);
    try {
      await assert.rejects(
        startApi(ctx, { listen: first.url.replace('http://', ''), tokens }, silentLogger),
        (err: unknown) =>
          err instanceof McpError && err.code === 'INVALID_CONFIG' && /EADDRINUSE/.test(err.message),
      );
      await assert.rejects(
        startApi(ctx, { listen: 'localhost', tokens }, silentLogger),
        (err: unknown) => err instanceof McpError && /api\.listen must be host:port/.test(err.message),
      );
    } finally {
      await first.close();
    }
  });
});
