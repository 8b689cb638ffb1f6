/**
 * Notifications against local HTTP receivers, each request checked against the documented API
 * of its service (path, method, headers, body); the repeat rule over a sequence of passes with
 * a clock of the test's own; commit statuses pending then success or failure per new commit;
 * and a sink that is down or hangs neither slows the store's writes nor loses count of drops.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openRegistry } from '../../src/adapters/sqljs/registry.js';
import { createNotifier, readSinks } from '../../src/agent/notify/index.js';
import { countOutcomes } from '../../src/domain/outcome.js';
import type { PassStatus } from '../../src/domain/pass.js';
import { silentLogger } from '../../src/log.js';
import { closedPort } from '../support/net.js';
import { type Receiver, startReceiver } from '../support/receiver.js';

const pass = (over: Partial<PassStatus>): PassStatus => ({
  at: new Date().toISOString(),
  result: 'converged',
  summary: '1 unchanged',
  durationMs: 5,
  counts: countOutcomes(['unchanged']),
  errors: [],
  ...over,
});

describe('notifications', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-notify-'));
  let rx: Receiver;
  before(async () => {
    rx = await startReceiver();
    writeFileSync(join(dir, 'hook.secret'), 'a-webhook-secret-of-some-length\n');
    writeFileSync(join(dir, 'matrix.token'), 'syt_matrix_token\n');
    writeFileSync(join(dir, 'gitea.token'), 'gitea-token\n');
    writeFileSync(join(dir, 'github.token'), 'ghp_token\n');
  });
  after(async () => {
    await rx.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends each kind of sink the request its service documents', async () => {
    rx.received.length = 0;
    const store = await openRegistry();
    store.recordInstances([
      { name: 'web-main', service: 'web', component: 'main', kind: 'container', specHash: 'h1' },
    ]);
    const sinks = await readSinks(
      [
        { kind: 'webhook', url: `${rx.url}/hook`, secret_file: join(dir, 'hook.secret') },
        { kind: 'slack', url: `${rx.url}/slack/T000/B000/XXX` },
        {
          kind: 'matrix',
          homeserver: `${rx.url}/`,
          room: '!room:matrix.example',
          access_token_file: join(dir, 'matrix.token'),
        },
      ],
      undefined,
    );
    const notifier = createNotifier({ node: 'rift', store, sinks, log: silentLogger });
    store.addEvent({
      at: '2026-12-04T10:00:00.000Z',
      kind: 'rolled-back',
      name: 'web-main',
      message: 'rolled back: main img:v2 (h2) unhealthy after 3 s; running img:v1 from abc',
      data: { toHash: 'h1', fromHash: 'h2' },
    });
    await notifier.idle();
    notifier.close();
    const [hook, slack, matrix] = await rx
      .count(3)
      .then((all) => ['/hook', '/slack', '/_matrix'].map((p) => all.find((r) => r.path.startsWith(p))!));

    assert.equal(hook.method, 'POST');
    assert.equal(hook.headers['content-type'], 'application/json');
    const signature = createHmac('sha256', 'a-webhook-secret-of-some-length').update(hook.body).digest('hex');
    assert.equal(
      hook.headers['x-mcp-signature-256'],
      `sha256=${signature}`,
      'the HMAC of the body, key from the file',
    );
    const body = JSON.parse(hook.body);
    assert.deepEqual(
      { node: body.node, kind: body.kind, subject: body.subject, service: body.service, at: body.at },
      { node: 'rift', kind: 'rollback', subject: 'web-main', service: 'web', at: '2026-12-04T10:00:00.000Z' },
    );
    assert.match(body.message, /^rolled back: main img:v2/);

    assert.equal(slack.method, 'POST');
    assert.deepEqual(Object.keys(JSON.parse(slack.body)), ['text'], 'a Slack incoming webhook takes {text}');
    assert.match(JSON.parse(slack.body).text, /^\[mcp rift\] rollback web: rolled back: /);

    assert.equal(matrix.method, 'PUT');
    assert.match(
      matrix.path,
      /^\/_matrix\/client\/v3\/rooms\/!room%3Amatrix\.example\/send\/m\.room\.message\/mcp-rift-\d+-\d+$/,
    );
    assert.equal(matrix.headers.authorization, 'Bearer syt_matrix_token');
    assert.deepEqual(Object.keys(JSON.parse(matrix.body)).sort(), ['body', 'msgtype']);
    assert.equal(JSON.parse(matrix.body).msgtype, 'm.text');
  });

  it('sends a condition once, again when it changes or after repeat_after; filters by kind and service', async () => {
    rx.received.length = 0;
    const store = await openRegistry();
    store.recordInstances([
      { name: 'db-main', service: 'db', component: 'main', kind: 'container', specHash: 'h' },
    ]);
    let now = 1_000_000;
    const sinks = await readSinks([
      { kind: 'slack', url: `${rx.url}/all`, repeat_after: 60 },
      { kind: 'slack', url: `${rx.url}/drift-web`, events: ['drift-healed'], services: ['web'] },
    ]);
    const notifier = createNotifier({ node: 'rift', store, sinks, log: silentLogger, now: () => now });
    const degraded = (why: string) =>
      pass({ result: 'degraded', errors: [{ code: 'RUNTIME', message: why }], summary: '1 failed' });
    store.recordPass(degraded('create failed: no space'));
    store.recordPass(degraded('create failed: no space'));
    now += 30_000;
    store.recordPass(degraded('create failed: no space'));
    store.recordPass(pass({ result: 'progressing', summary: '1 created; not healthy: db-main starting' }));
    store.recordPass(degraded('create failed: image gone'));
    now += 61_000;
    store.recordPass(degraded('create failed: image gone'));
    store.recordPass(pass({ result: 'converged' }));
    store.addEvent({
      at: 't',
      kind: 'recreated',
      name: 'db-main',
      message: 'stopped by hand',
      data: { drift: true, durationMs: 812 },
    });
    // Skips that only wait are no unhealed drift; a failed heal is.
    for (const message of ['back-off: died 1x, next start in 1 s', 'waiting: db-x is starting'])
      store.addEvent({ at: 't', kind: 'skipped', name: 'db-main', message, data: { drift: true } });
    store.addEvent({
      at: 't',
      kind: 'failed',
      name: 'db-main',
      message: 'image gone',
      data: { drift: true },
    });
    await notifier.idle();
    notifier.close();
    const texts = rx.received.filter((r) => r.path === '/all').map((r) => JSON.parse(r.body).text);
    assert.deepEqual(texts, [
      '[mcp rift] failed-pass: pass degraded: 1 failed (create failed: no space)',
      '[mcp rift] failed-pass: pass degraded: 1 failed (create failed: image gone)',
      '[mcp rift] failed-pass: pass degraded: 1 failed (create failed: image gone)',
      '[mcp rift] converged-after-degraded: converged again after a degraded pass: 1 unchanged',
      '[mcp rift] drift-healed db: db-main drifted (stopped by hand); healed: recreated in 812 ms',
      '[mcp rift] drift-unhealed db: db-main drifted and could not be healed: failed: image gone',
    ]);
    assert.equal(
      rx.received.filter((r) => r.path === '/drift-web').length,
      0,
      'the web-only drift sink hears nothing of db',
    );
  });

  it('posts commit statuses: pending when a pass starts on a new commit, then success or failure, with context mcp/<node>', async () => {
    rx.received.length = 0;
    const store = await openRegistry();
    const sinks = await readSinks(
      [
        { kind: 'gitea', api_url: `${rx.url}/api/v1`, token_file: join(dir, 'gitea.token') },
        {
          kind: 'github',
          api_url: `${rx.url}/gh`,
          token_file: join(dir, 'github.token'),
          repository: 'ops/services',
        },
      ],
      'https://git.example/ops/services.git',
    );
    const notifier = createNotifier({ node: 'rift', store, sinks, log: silentLogger });
    const good = 'a'.repeat(40);
    const bad = 'b'.repeat(40);
    const rejected = 'c'.repeat(40);
    store.setApplying({ commit: good, since: 'now' });
    store.recordPass(pass({ revision: good, result: 'progressing' }));
    store.recordPass(pass({ revision: good, result: 'converged', summary: '1 created' }));
    store.recordPass(pass({ revision: good, result: 'converged', summary: '1 unchanged' }));
    store.setApplying({ commit: bad, since: 'now' });
    store.recordPass(
      pass({
        revision: bad,
        result: 'degraded',
        unhealthy: [{ name: 'web-main', state: 'rolled-back', reason: 'unhealthy after 3 s' }],
      }),
    );
    store.addEvent({
      at: 't',
      kind: 'rejected',
      message: 'revision ccccccc rejected: not signed',
      data: { commit: rejected },
    });
    // A commit still pending when a newer one is applied is not left pending for ever.
    const slow = 'd'.repeat(40);
    const next = 'e'.repeat(40);
    store.setApplying({ commit: slow, since: 'now' });
    store.recordPass(pass({ revision: slow, result: 'progressing' }));
    store.setApplying({ commit: next, since: 'now' });
    await notifier.idle();
    notifier.close();
    const gitea = rx.received.filter((r) => r.path.startsWith('/api/v1/'));
    assert.deepEqual(
      gitea.map((r) => [r.method, r.path, JSON.parse(r.body).state]),
      [
        ['POST', `/api/v1/repos/ops/services/statuses/${good}`, 'pending'],
        ['POST', `/api/v1/repos/ops/services/statuses/${good}`, 'success'],
        ['POST', `/api/v1/repos/ops/services/statuses/${bad}`, 'pending'],
        ['POST', `/api/v1/repos/ops/services/statuses/${bad}`, 'failure'],
        ['POST', `/api/v1/repos/ops/services/statuses/${rejected}`, 'failure'],
        ['POST', `/api/v1/repos/ops/services/statuses/${slow}`, 'pending'],
        ['POST', `/api/v1/repos/ops/services/statuses/${slow}`, 'error'],
        ['POST', `/api/v1/repos/ops/services/statuses/${next}`, 'pending'],
      ],
    );
    assert.equal(JSON.parse(gitea[6]!.body).description, 'superseded by eeeeeee before it settled');
    assert.equal(gitea[0]!.headers.authorization, 'token gitea-token');
    assert.deepEqual(Object.keys(JSON.parse(gitea[1]!.body)).sort(), ['context', 'description', 'state']);
    assert.equal(JSON.parse(gitea[1]!.body).context, 'mcp/rift');
    assert.match(JSON.parse(gitea[3]!.body).description, /^rolled back: /);
    assert.match(JSON.parse(gitea[4]!.body).description, /not signed/);
    const github = rx.received.filter((r) => r.path.startsWith('/gh/'));
    assert.equal(github.length, 8);
    assert.equal(github[0]!.path, `/gh/repos/ops/services/statuses/${good}`);
    assert.equal(github[0]!.headers.authorization, 'Bearer ghp_token');
    assert.equal(github[0]!.headers.accept, 'application/vnd.github+json');
  });

  it('a sink that is down or hangs never holds up the store, and what it loses is counted', async () => {
    rx.received.length = 0;
    const store = await openRegistry();
    const down = await closedPort();
    const sinks = await readSinks([
      { kind: 'webhook', url: `http://127.0.0.1:${down}/hook` },
      { kind: 'webhook', url: `${rx.url}/slow` },
    ]);
    let release = () => {};
    rx.hold = new Promise((r) => {
      release = r;
    });
    const notifier = createNotifier({
      node: 'rift',
      store,
      sinks,
      log: silentLogger,
      backoffMs: [5, 5],
      queueLimit: 2,
    });
    const failed = (n: number) =>
      pass({
        result: 'failed',
        errors: [{ code: 'RUNTIME_UNAVAILABLE', message: `down ${n}` }],
        summary: '',
      });
    for (let i = 0; i < 5; i++) store.recordPass(failed(i));
    // Every write returned while the slow sink still holds its first request.
    await rx.count(1);
    assert.equal(store.lastPass()?.errors[0]?.message, 'down 4');
    release();
    rx.hold = undefined;
    await notifier.idle();
    notifier.close();
    const drops = notifier.drops();
    const [downName, slowName] = Object.keys(drops);
    assert.equal(drops[downName!], 5, 'two queued and tried (three tries each), three over the queue limit');
    assert.equal(drops[slowName!], 2, 'the slow sink took one, queued two, dropped two');
    assert.equal(rx.received.filter((r) => r.path === '/slow').length, 3);
  });

  it('refuses a [[notify]] table that misses what its kind needs, or whose secret cannot be read', async () => {
    await assert.rejects(
      readSinks([{ kind: 'matrix', homeserver: 'https://m.example' }]),
      /notify\[0\] \(matrix\) needs room, access_token_file/,
    );
    await assert.rejects(
      readSinks([{ kind: 'webhook', url: 'http://x', secret_file: join(dir, 'nope') }]),
      /cannot read .*nope \(ENOENT\)/,
    );
    await assert.rejects(
      readSinks([{ kind: 'gitea', api_url: 'http://x', token_file: join(dir, 'gitea.token') }]),
      /needs repository/,
    );
  });
});
