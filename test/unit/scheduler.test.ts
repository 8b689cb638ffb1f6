import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createScheduler } from '../../src/agent/scheduler.js';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('triggers during a pass cause exactly one more pass, with all their reasons', async () => {
  const passes: string[][] = [];
  let release!: () => void;
  const s = createScheduler(
    async (reasons) => {
      passes.push(reasons);
      if (passes.length === 1) await new Promise<void>((r) => (release = r));
    },
    { intervalMs: 60_000, onError: (e) => assert.fail(String(e)) },
  );
  const first = s.trigger('start');
  await tick(5);
  const during = [s.trigger('event'), s.trigger('webhook'), s.trigger('event')];
  release();
  await Promise.all([first, ...during]);
  assert.deepEqual(passes, [['start'], ['event', 'webhook', 'event']]);
  await s.stop();
});

test('only one pass runs at a time', async () => {
  let inFlight = 0;
  let maxInFlight = 0;
  const s = createScheduler(
    async () => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await tick(10);
      inFlight--;
    },
    { intervalMs: 60_000, onError: (e) => assert.fail(String(e)) },
  );
  await Promise.all([s.trigger('a'), tick(3).then(() => s.trigger('b')), tick(6).then(() => s.trigger('c'))]);
  assert.equal(maxInFlight, 1);
  await s.stop();
});

test('the interval triggers passes on its own and a failing pass does not stop it', async () => {
  const errors: unknown[] = [];
  let passes = 0;
  const s = createScheduler(
    async () => {
      passes++;
      throw new Error('boom');
    },
    { intervalMs: 20, onError: (e) => errors.push(e) },
  );
  await tick(110);
  await s.stop();
  assert.ok(passes >= 3, `expected at least 3 interval passes, got ${passes}`);
  assert.equal(errors.length, passes);
});

test('a stop during the debounce wait starts no further pass', async () => {
  let passes = 0;
  const s = createScheduler(
    async () => {
      passes++;
    },
    { intervalMs: 60_000, debounceMs: 50, onError: (e) => assert.fail(String(e)) },
  );
  void s.trigger('event');
  await tick(10);
  await s.stop();
  await tick(80);
  assert.equal(passes, 0);
});
