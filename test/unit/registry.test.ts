import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { openRegistry } from '../../src/adapters/sqljs/registry.js';
import { countOutcomes } from '../../src/domain/outcome.js';

const dirs: string[] = [];
const tempDir = async (): Promise<string> => {
  const dir = await mkdtemp(join(tmpdir(), 'mcp-registry-'));
  dirs.push(dir);
  return dir;
};
after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

const entry = (name: string) => ({
  name,
  service: name.split('-')[0],
  component: name.split('-')[1],
  kind: 'container' as const,
  specHash: `hash-${name}`,
});

test('everything recorded survives a flush and a reopen', async () => {
  const path = join(await tempDir(), 'registry.db');
  const a = await openRegistry(path);
  a.recordInstances([entry('web-api'), entry('web-ui')]);
  const ports = a.routePorts('web-api', ['rest', 'grpc']);
  a.setLastGood({ commit: 'abc123', services: [] });
  a.addEvent({ at: '2026-11-23T00:00:00Z', kind: 'created', name: 'web-api', message: 'created' });
  a.recordPass({
    at: '2026-11-23T00:00:00Z',
    result: 'converged',
    summary: 's',
    durationMs: 1,
    counts: countOutcomes([]),
    errors: [],
  });
  await a.flush();

  const b = await openRegistry(path);
  assert.deepEqual(
    b.inventory().map((e) => e.name),
    ['web-api', 'web-ui'],
  );
  assert.deepEqual(b.routePorts('web-api', ['rest', 'grpc']), ports);
  assert.equal(b.lastGood()?.commit, 'abc123');
  assert.equal(b.events(10)[0].name, 'web-api');
  assert.equal(b.lastPass()?.result, 'converged');
});

test('route ports are stable per instance and never shared', async () => {
  const r = await openRegistry();
  const first = r.routePorts('a-x', ['rest']);
  const again = r.routePorts('a-x', ['rest', 'admin']);
  const other = r.routePorts('b-y', ['rest']);
  assert.equal(again.rest, first.rest);
  assert.equal(new Set([again.rest, again.admin, other.rest]).size, 3);
  for (const p of [again.rest, again.admin, other.rest]) assert.ok(p >= 10000 && p <= 60000);
});

test('forgetting an instance releases its route ports for reuse', async () => {
  const r = await openRegistry();
  const { rest } = r.routePorts('a-x', ['rest']);
  r.recordInstances([entry('a-x')]);
  r.forgetInstance('a-x');
  assert.deepEqual(r.inventory(), []);
  assert.equal(r.routePorts('b-y', ['rest']).rest, rest);
});

test('a route dropped from a component releases its port', async () => {
  const r = await openRegistry();
  const { admin } = r.routePorts('a-x', ['rest', 'admin']);
  assert.deepEqual(Object.keys(r.routePorts('a-x', ['rest'])), ['rest']);
  assert.equal(r.routePorts('b-y', ['admin']).admin, admin);
});

test('route ports are allocated clear of the static host ports to avoid', async () => {
  const r = await openRegistry();
  const ports = r.routePorts('a-x', ['one', 'two'], new Set([10000, 10001, 10003]));
  assert.deepEqual(ports, { one: 10002, two: 10004 });
});

test('a flush leaves no temporary file and a stale one does not disturb opening', async () => {
  const dir = await tempDir();
  const path = join(dir, 'registry.db');
  const r = await openRegistry(path);
  r.recordInstances([entry('a-x')]);
  await r.flush();
  assert.deepEqual(await readdir(dir), ['registry.db']);
  await writeFile(`${path}.tmp-999`, 'torn half-written garbage');
  const reopened = await openRegistry(path);
  assert.equal(reopened.inventory().length, 1);
});

test('migrations run once: reopening a current database changes nothing', async () => {
  const path = join(await tempDir(), 'registry.db');
  await (await openRegistry(path)).flush();
  const r = await openRegistry(path);
  r.recordInstances([entry('a-x')]);
  await r.flush();
  const again = await openRegistry(path);
  assert.equal(again.inventory().length, 1);
});

test('the event log answers the newest entries, newest first', async () => {
  const r = await openRegistry();
  for (let i = 0; i < 5; i++) r.addEvent({ at: `t${i}`, kind: 'created', message: `m${i}` });
  assert.deepEqual(
    r.events(3).map((e) => e.message),
    ['m4', 'm3', 'm2'],
  );
});

test('a subscriber hears each event and pass as stored, until it leaves; a failing one breaks nothing', async () => {
  const r = await openRegistry();
  const heard: string[] = [];
  r.subscribe(() => {
    throw new Error('a broken listener');
  });
  const leave = r.subscribe((rec) =>
    heard.push(rec.kind === 'event' ? rec.event.message : rec.kind === 'pass' ? rec.pass.result : 'applying'),
  );
  r.addEvent({ at: 't0', kind: 'created', message: 'm0' });
  r.recordPass({
    at: 't1',
    result: 'converged',
    summary: '',
    durationMs: 1,
    counts: countOutcomes([]),
    errors: [],
  });
  leave();
  r.addEvent({ at: 't2', kind: 'created', message: 'm1' });
  assert.deepEqual(heard, ['m0', 'converged']);
  assert.equal(r.events(5).length, 2, 'both events were stored despite the broken listener');
});

test('flushes that overlap (a pass and an API request) are written one after the other, the last state wins', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'i11-flush-'));
  const path = join(dir, 'registry.db');
  const r = await openRegistry(path);
  const flushes: Promise<void>[] = [];
  for (let n = 0; n < 5; n++) {
    r.addEvent({ at: new Date(0).toISOString(), kind: 'restarted', message: `event ${n}` });
    flushes.push(r.flush());
  }
  await Promise.all(flushes);
  const reopened = await openRegistry(path);
  assert.deepEqual(
    reopened
      .events(10)
      .map((e) => e.message)
      .sort(),
    ['event 0', 'event 1', 'event 2', 'event 3', 'event 4'],
  );
});
