/**
 * The OpenAPI document cannot lie: real `mcp-agent run` processes (one following a real git
 * server on the real podman, one whose podman is not there) are asked every route, provoking
 * every status the document gives each, and every answer (status, content type, headers, body)
 * is checked against schema/api.openapi.json with ajv. The test fails on an answer the
 * document does not give, and on a documented answer no request produced. Every served path
 * asked with another method answers 405 with the document's methods in `Allow`.
 */
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tokenDigest } from '../../src/agent/api/auth.js';
import { type AgentProcess, startAgent, until } from '../support/agent-process.js';
import type { GitServer } from '../support/git-http.js';
import {
  type Answer,
  checkAnswer,
  documentedPath,
  type Json,
  METHODS,
  openapi,
  unseen,
  validatorAt,
} from '../support/openapi.js';
import { IMAGE_V1, podman, podmanSocket, removeContainers, requirePodman } from '../support/podman.js';
import { servicesRepo } from '../support/services-repo.js';

const RUN = randomBytes(3).toString('hex');
const P = `i19c${RUN}`;
const NODE = `i19n${RUN}`;
const NODE_B = `i19b${RUN}`;
const WEB = `${P}-web`;
const OFF = `${P}-off`;
const HELD = `${P}-held`;
const SECRET = 'contract-webhook-secret-0123456789';

const OPS = { authorization: 'Bearer ops-token' };
const VIEWER = { authorization: 'Bearer viewer-token' };
const METRICS = { authorization: 'Bearer metrics-token' };
const STRANGER = { authorization: 'Bearer no-such-token' };

const service = (name: string, node: string, extra = '') =>
  `name = "${name}"\nnode = "${node}"\n${extra}\n[[components]]\nname = "main"\nimage = "${IMAGE_V1}"\ncmd = ["httpd", "-f", "-p", "8080"]\n`;

const agentConfig = (dir: string, node: string, lines: string) =>
  `node = "${node}"\nstate_dir = "${dir}/state"\n${lines}[qemu]\naccel = "tcg"\n` +
  `[[api.tokens]]\nname = "ops"\nsha256 = "${tokenDigest('ops-token')}"\nrole = "operate"\n` +
  `[[api.tokens]]\nname = "viewer"\nsha256 = "${tokenDigest('viewer-token')}"\nrole = "read"\n`;

const signed = (body: string, event = 'push') => ({
  'content-type': 'application/json',
  'x-github-event': event,
  'x-hub-signature-256': `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`,
});

/**
 * One request through node:http, so a test can announce a body (`announce` bytes) and send
 * only `send` of it, then stall: what fetch cannot do. Resolves with the answer.
 */
const raw = (
  base: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  announce: number,
  send = '',
): Promise<Answer> =>
  new Promise((resolve, reject) => {
    const req = request(base, {
      method,
      path,
      headers: { ...headers, 'content-length': String(announce) },
    });
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => {
        text += d;
      });
      res.on('end', () => {
        const h = new Headers();
        for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') h.set(k, v);
        req.destroy();
        resolve({ status: res.statusCode ?? 0, headers: h, text });
      });
    });
    req.on('error', reject);
    if (send) req.write(send);
    req.flushHeaders();
  });

describe('the API answers as its OpenAPI document says', { timeout: 300_000 }, () => {
  let dir = '';
  let server: GitServer | undefined;
  let a: AgentProcess | undefined;
  let b: AgentProcess | undefined;

  /** Asks agent `agent` and checks the answer against the document; resolves with it and its JSON body. */
  const ask = async (
    agent: AgentProcess | undefined,
    method: string,
    path: string,
    headers: Record<string, string> = {},
    body?: string,
  ): Promise<{ answer: Answer; body: Json | undefined }> => {
    assert.ok(agent, 'the agent runs');
    const res = await fetch(`${agent.api}${path}`, { method, headers, body });
    const answer = { status: res.status, headers: res.headers, text: await res.text() };
    return { answer, body: checkAnswer(method, path, answer) };
  };

  /** Asks and fails unless the status is `status`. */
  const expect = async (
    status: number,
    method: string,
    path: string,
    headers: Record<string, string> = {},
    body?: string,
    agent = a,
  ): Promise<Json> => {
    const got = await ask(agent, method, path, headers, body);
    assert.equal(got.answer.status, status, `${method} ${path}: ${got.answer.text.slice(0, 500)}`);
    return got.body ?? {};
  };

  before(async () => {
    await requirePodman();
    dir = await mkdtemp(join(tmpdir(), 'mcp-i19-contract-'));
    // A container MCP does not manage, holding the name of HELD's component: a standing conflict.
    await podman('run', '-d', '--name', `${HELD}-main`, IMAGE_V1, 'httpd', '-f', '-p', '8080');
    ({ server } = await servicesRepo(dir, {
      [`services/${WEB}.toml`]: service(WEB, NODE),
      [`services/${OFF}.toml`]: service(OFF, NODE, 'active = false'),
      [`services/${HELD}.toml`]: service(HELD, NODE),
    }));
    await mkdir(join(dir, 'files'));
    writeFileSync(join(dir, 'webhook.secret'), SECRET);
    writeFileSync(
      join(dir, 'a.toml'),
      agentConfig(
        join(dir, 'a'),
        NODE,
        `[source]\nurl = "${server.url('services.git')}"\nbranch = "main"\ninterval = 3600\n` +
          `[podman]\nsocket = "${podmanSocket}"\nstop_timeout = 1\n` +
          `[api]\nlisten = "127.0.0.1:0"\nfiles_root = "files"\nwebhook_secret_file = "webhook.secret"\n` +
          `metrics_token = "${tokenDigest('metrics-token')}"\n`,
      ),
    );
    // Agent B: no podman at its socket, no webhook secret, its services from a directory.
    await mkdir(join(dir, 'b-src', 'services'), { recursive: true });
    writeFileSync(join(dir, 'b-src', 'services', 'bsvc.toml'), service('bsvc', NODE_B));
    writeFileSync(
      join(dir, 'b.toml'),
      agentConfig(
        join(dir, 'b'),
        NODE_B,
        `[source]\npath = "b-src"\ninterval = 3600\n[podman]\nsocket = "${dir}/no-podman.sock"\n` +
          `[api]\nlisten = "127.0.0.1:0"\n`,
      ),
    );
    [a, b] = await Promise.all([
      startAgent(join(dir, 'a.toml'), 'ops-token'),
      startAgent(join(dir, 'b.toml'), 'ops-token'),
    ]);
  });

  after(async () => {
    a?.kill();
    b?.kill();
    await server?.close();
    await removeContainers(`${P}-`);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('serves the document itself, without a token', async () => {
    const body = await expect(200, 'GET', '/v1/openapi.json');
    assert.deepEqual(
      body,
      JSON.parse(readFileSync(join(import.meta.dirname, '../../schema/api.openapi.json'), 'utf8')),
    );
  });

  it('answers the status routes', async () => {
    const pass = await expect(200, 'POST', '/v1/reconcile?wait=true', OPS);
    assert.equal((pass.lastPass as Json).result !== undefined, true);
    await expect(200, 'GET', '/v1/health');
    const status = await expect(200, 'GET', '/v1/status', VIEWER);
    assert.equal(status.node, NODE);
    await expect(401, 'GET', '/v1/status');
    await expect(401, 'GET', '/v1/status', STRANGER);
    await expect(401, 'GET', '/v1/status', METRICS);
    const services = await expect(200, 'GET', '/v1/services', VIEWER);
    assert.deepEqual((services.services as Json[]).map((s) => s.name).sort(), [HELD, OFF, WEB].sort());
    await expect(401, 'GET', '/v1/services');
    await until('web runs', async () => {
      const ps = (await expect(200, 'GET', '/v1/ps', VIEWER)) as { instances: Json[] };
      return ps.instances.some((i) => i.name === `${WEB}-main` && i.state === 'running');
    });
    await expect(401, 'GET', '/v1/ps');
    const events = await expect(200, 'GET', '/v1/events?limit=5', VIEWER);
    assert.ok((events.events as Json[]).length > 0);
    await expect(400, 'GET', '/v1/events?limit=0', VIEWER);
    await expect(401, 'GET', '/v1/events');
    assert.deepEqual(await expect(200, 'GET', '/v1/whoami', VIEWER), {
      node: NODE,
      token: 'viewer',
      role: 'read',
    });
    await expect(401, 'GET', '/v1/whoami');
    await expect(200, 'GET', `/v1/spec?service=${WEB}`, VIEWER);
    await expect(404, 'GET', `/v1/spec?service=${P}-none`, VIEWER);
    await expect(401, 'GET', `/v1/spec?service=${WEB}`);
    await expect(400, 'GET', '/v1/spec', VIEWER);
    await expect(400, 'GET', '/v1/instances?service=', VIEWER);
    await expect(400, 'POST', '/v1/adopt', OPS);
    await expect(400, 'POST', '/v1/restart', OPS);
    await expect(200, 'GET', `/v1/instances?service=${WEB}`, VIEWER);
    await expect(404, 'GET', `/v1/instances?service=${P}-none`, VIEWER);
    await expect(401, 'GET', `/v1/instances?service=${WEB}`);
    await expect(200, 'GET', '/metrics', METRICS);
    await expect(200, 'GET', '/metrics', VIEWER);
    await expect(401, 'GET', '/metrics');
    for (const path of ['/', '/index.html', '/ui/app.js', '/ui/style.css', '/ui/config.json'])
      await expect(200, 'GET', path);
  });

  it('streams events as the document says', async () => {
    await expect(401, 'GET', '/v1/events/stream');
    const abort = new AbortController();
    const res = await fetch(`${a?.api}/v1/events/stream`, { headers: VIEWER, signal: abort.signal });
    checkAnswer('GET', '/v1/events/stream', { status: res.status, headers: res.headers, text: '' });
    assert.equal(res.status, 200);
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    await expect(202, 'POST', '/v1/reconcile', OPS);
    const kinds = new Set<string>();
    let buffer = '';
    while (!kinds.has('pass')) {
      const { value, done } = await reader.read();
      assert.ok(!done, 'the stream stays open');
      buffer += value;
      const blocks = buffer.split('\n\n');
      buffer = blocks.pop() ?? '';
      for (const block of blocks) {
        if (block.startsWith(':')) continue;
        const event = /^event: (.+)$/m.exec(block)?.[1] ?? '';
        const data = JSON.parse(/^data: (.+)$/m.exec(block)?.[1] ?? 'null');
        const validate = validatorAt('paths', '/v1/events/stream', 'get', 'x-mcp-events', event);
        assert.ok(validate(data), `event ${event}: ${JSON.stringify(validate.errors)} ${block}`);
        kinds.add(event);
      }
    }
    abort.abort();
    assert.ok(kinds.has('applying'), [...kinds].join());
  });

  it('answers the operator routes', async () => {
    await expect(401, 'POST', '/v1/reconcile');
    await expect(403, 'POST', '/v1/reconcile', VIEWER);
    await expect(404, 'POST', `/v1/reconcile?retry=${WEB}-main`, OPS);
    await expect(409, 'POST', '/v1/reconcile?override=true', OPS);

    const restarted = await expect(200, 'POST', `/v1/restart?service=${WEB}`, OPS);
    assert.deepEqual(restarted.restarted, [`${WEB}-main`]);
    await expect(401, 'POST', `/v1/restart?service=${WEB}`);
    await expect(403, 'POST', `/v1/restart?service=${WEB}`, VIEWER);
    await expect(404, 'POST', `/v1/restart?service=${WEB}&component=nope`, OPS);
    await expect(409, 'POST', `/v1/restart?service=${OFF}`, OPS);
    await expect(409, 'POST', `/v1/restart?service=${HELD}`, OPS);

    await expect(401, 'POST', '/v1/suspend');
    await expect(403, 'POST', '/v1/suspend', VIEWER);
    await expect(400, 'POST', '/v1/suspend', OPS, '{"service": "Not A Label"}');
    await expect(404, 'POST', '/v1/suspend', OPS, JSON.stringify({ service: `${P}-none` }));
    const suspended = await expect(
      200,
      'POST',
      '/v1/suspend',
      OPS,
      JSON.stringify({ service: HELD, reason: 'contract' }),
    );
    assert.equal(suspended.changed, true);
    // the held conflict is not adopted while its service is suspended
    await expect(409, 'POST', `/v1/adopt?service=${HELD}`, OPS);
    await expect(401, 'POST', '/v1/resume');
    await expect(403, 'POST', '/v1/resume', VIEWER);
    await expect(400, 'POST', '/v1/resume', OPS, '[]');
    await expect(404, 'POST', '/v1/resume', OPS, JSON.stringify({ service: `${P}-none` }));
    const resumed = await expect(200, 'POST', '/v1/resume?wait=true', OPS, JSON.stringify({ service: HELD }));
    assert.equal(resumed.changed, true);

    const adopted = await expect(200, 'POST', `/v1/adopt?service=${HELD}`, OPS);
    assert.deepEqual(
      (adopted.adopted as Json[]).map((x) => x.name),
      [`${HELD}-main`],
    );
    await expect(401, 'POST', `/v1/adopt?service=${HELD}`);
    await expect(403, 'POST', `/v1/adopt?service=${HELD}`, VIEWER);
    await expect(404, 'POST', `/v1/adopt?service=${P}-none`, OPS);
  });

  it('plans posted files', async () => {
    const files = [{ path: `services/${WEB}.toml`, text: service(WEB, NODE) }];
    const plan = await expect(200, 'POST', '/v1/plan', VIEWER, JSON.stringify({ files, commit: 'wip' }));
    assert.equal(plan.revision, 'wip');
    await expect(400, 'POST', '/v1/plan', VIEWER, 'not json');
    await expect(401, 'POST', '/v1/plan', {}, JSON.stringify({ files }));
    const bad = [{ path: `services/${WEB}.toml`, text: `name = "${WEB}"\nnode = 3\n` }];
    await expect(422, 'POST', '/v1/plan', VIEWER, JSON.stringify({ files: bad }));
  });

  it('pushes and pulls files', async () => {
    const path = `/v1/files/${WEB}/conf/app.conf`;
    const pushed = await expect(200, 'PUT', path, OPS, 'listen 8080\n');
    assert.deepEqual(pushed, { service: WEB, path: 'conf/app.conf', bytes: 12 });
    await expect(200, 'GET', path, VIEWER);
    await expect(400, 'GET', `/v1/files/${WEB}/a//b`, VIEWER);
    await expect(401, 'GET', path);
    await expect(404, 'GET', `/v1/files/${WEB}/conf/none`, VIEWER);
    await expect(400, 'PUT', `/v1/files/${WEB}/a/%zz`, OPS, 'x');
    await expect(401, 'PUT', path, {}, 'x');
    await expect(403, 'PUT', path, VIEWER, 'x');
    await expect(404, 'PUT', `/v1/files/${P}-none/x`, OPS, 'x');
  });

  it('answers the webhook', async () => {
    const push = JSON.stringify({ ref: 'refs/heads/main' });
    assert.deepEqual(await expect(200, 'POST', '/v1/webhook', signed('{}', 'ping'), '{}'), { pong: true });
    assert.deepEqual(await expect(202, 'POST', '/v1/webhook', signed(push), push), { triggered: true });
    const other = JSON.stringify({ ref: 'refs/heads/dev' });
    assert.equal((await expect(202, 'POST', '/v1/webhook', signed(other), other)).triggered, false);
    await expect(400, 'POST', '/v1/webhook', signed('not json'), 'not json');
    await expect(401, 'POST', '/v1/webhook', { 'content-type': 'application/json' }, push);
    await expect(401, 'POST', '/v1/webhook', signed('{"ref": "x"}'), push);
    await expect(404, 'POST', '/v1/webhook', signed(push), push, b);
  });

  it('answers 503 where podman is not there', async () => {
    await expect(503, 'GET', '/v1/ps', VIEWER, undefined, b);
    await expect(503, 'GET', '/v1/instances?service=bsvc', VIEWER, undefined, b);
    await expect(503, 'POST', '/v1/restart?service=bsvc', OPS, undefined, b);
    await expect(503, 'POST', '/v1/adopt?service=bsvc', OPS, undefined, b);
    const files = [{ path: 'services/bsvc.toml', text: service('bsvc', NODE_B) }];
    await expect(503, 'POST', '/v1/plan', VIEWER, JSON.stringify({ files }), b);
  });

  it('refuses bodies over a route’s limit, and bodies that stall', async () => {
    const signature = { 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` };
    const bodies: [string, string, Record<string, string>, number][] = [
      ['POST', '/v1/webhook', signature, 1 << 20],
      ['POST', '/v1/suspend', OPS, 4096],
      ['POST', '/v1/resume', OPS, 4096],
      ['POST', '/v1/plan', VIEWER, 0],
      ['PUT', `/v1/files/${WEB}/big`, OPS, 64 << 20],
    ];
    for (const [method, path, headers, limit] of bodies) {
      // the plan's limit is twice the revision limit: announce more than any of them
      const answer = await raw(a!.api, method, path, headers, limit ? limit + 1 : 1 << 30);
      assert.equal(answer.status, 413, `${method} ${path}: ${answer.text}`);
      checkAnswer(method, path, answer);
    }
    // a byte of the ten announced, then nothing: each is answered after the 10 s idle timeout
    const stalled = await Promise.all(
      bodies.map(([method, path, headers]) => raw(a!.api, method, path, headers, 10, '{')),
    );
    stalled.forEach((answer, k) => {
      assert.equal(answer.status, 408, `${bodies[k][1]}: ${answer.text}`);
      checkAnswer(bodies[k][0], bodies[k][1], answer);
    });
  });

  it('answers 405 with the documented methods on every path, 404 on a path it does not serve, and the other answers every route can give', async () => {
    const error = validatorAt('components', 'schemas', 'Error');
    for (const [template, item] of Object.entries(openapi.paths)) {
      const path = template.replace('{service}', WEB).replace('{path}', 'x');
      assert.equal(documentedPath(path), template);
      const served = METHODS.filter((m) => item[m]).map((m) => m.toUpperCase());
      for (const method of ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'].filter((m) => !served.includes(m))) {
        const res = await fetch(`${a?.api}${path}`, { method, headers: OPS });
        const body = (await res.json()) as { error: { code: string } };
        assert.equal(res.status, 405, `${method} ${path}`);
        assert.equal(res.headers.get('allow'), served.join(', '), `${method} ${path}`);
        assert.ok(error(body), JSON.stringify(error.errors));
        assert.equal(body.error.code, 'METHOD_NOT_ALLOWED');
      }
    }
    const res = await fetch(`${a?.api}/v1/nothing-here`, { headers: OPS });
    const body = (await res.json()) as { error: { code: string } };
    assert.equal(res.status, 404);
    assert.ok(error(body), JSON.stringify(error.errors));
    // as the document's introduction says: a body announced over 1 MiB is refused on a route
    // that reads none too, and a request target that is not a path is a usage error
    for (const [path, status, announce] of [
      ['/v1/health', 413, (1 << 20) + 1],
      ['*', 400, 0],
    ] as const) {
      const answer = await raw(a!.api, 'GET', path, {}, announce);
      assert.equal(answer.status, status, `${path}: ${answer.text}`);
      assert.ok(error(JSON.parse(answer.text)), JSON.stringify(error.errors));
    }
  });

  it('gave every answer the document lists', () => {
    assert.deepEqual(unseen(), []);
  });
});
