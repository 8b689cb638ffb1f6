/**
 * The one rule of how a pass ended (domain/pass.ts passResult): progressing is waiting as
 * designed, degraded is something wrong; each case of the rule on its own.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { countOutcomes, type Outcome } from '../../src/domain/outcome.js';
import { type NotHealthy, type Problem, passResult, settled } from '../../src/domain/pass.js';

const counts = (...outcomes: Outcome[]) => countOutcomes(outcomes);
const result = (o: {
  outcomes?: Outcome[];
  errors?: Problem[];
  unhealthy?: NotHealthy[];
  waiting?: number;
}) =>
  passResult({
    counts: counts(...(o.outcomes ?? ['unchanged'])),
    errors: o.errors ?? [],
    unhealthy: o.unhealthy ?? [],
    waiting: o.waiting ?? 0,
  });

test('all done and healthy is converged; nothing planned is failed', () => {
  assert.equal(result({ outcomes: ['created', 'unchanged'] }), 'converged');
  assert.equal(passResult({ counts: undefined, errors: [], unhealthy: [], waiting: 0 }), 'failed');
});

test('only waiting as designed is progressing', () => {
  const cases: [string, Parameters<typeof result>[0]][] = [
    [
      'inside its start period or start_timeout',
      { unhealthy: [{ name: 'a', state: 'starting', pending: true }] },
    ],
    [
      'unhealthy, but its start_timeout still runs',
      { unhealthy: [{ name: 'a', state: 'unhealthy', pending: true }] },
    ],
    [
      'a dependent waiting on it',
      {
        outcomes: ['created', 'skipped'],
        waiting: 1,
        unhealthy: [{ name: 'a', state: 'starting', pending: true }],
      },
    ],
    [
      'a back-off that has not run out',
      { unhealthy: [{ name: 'a', state: 'restarting', reason: 'back-off: died 1x' }] },
    ],
    ['a start waiting for its back-off', { outcomes: ['skipped'], waiting: 1 }],
  ];
  for (const [what, c] of cases) assert.equal(result(c), 'progressing', what);
});

test('something wrong is degraded, even beside what is still progressing', () => {
  const starting: NotHealthy = { name: 'b', state: 'starting', pending: true };
  const cases: [string, Parameters<typeof result>[0]][] = [
    ['a failed action', { outcomes: ['failed'] }],
    ['a conflict', { outcomes: ['conflict'] }],
    ['a dependent blocked past its dependency start_timeout', { outcomes: ['skipped'], waiting: 0 }],
    ['unhealthy past its start_timeout', { unhealthy: [{ name: 'a', state: 'unhealthy' }, starting] }],
    ['starting past its start_timeout', { unhealthy: [{ name: 'a', state: 'starting' }] }],
    ['a crash loop', { unhealthy: [{ name: 'a', state: 'crash-looping', reason: 'died 5x' }, starting] }],
    ['a rollback', { unhealthy: [{ name: 'a', state: 'rolled-back', reason: 'unhealthy after 3 s' }] }],
    ['a rejected revision', { errors: [{ code: 'INVALID_SPEC', message: 'services/a.toml:2 ...' }] }],
    [
      'a held revision',
      { errors: [{ code: 'NEEDS_OVERRIDE', message: 'would remove 3 of 4' }], unhealthy: [starting] },
    ],
    ['a source down', { errors: [{ code: 'SOURCE_UNAVAILABLE', message: 'ECONNREFUSED' }] }],
  ];
  for (const [what, c] of cases) assert.equal(result(c), 'degraded', what);
});

test('deploy and --once keep waiting while progressing, and stop at converged, failed or a degraded pass with nothing left to wait for', () => {
  assert.equal(settled({ result: 'progressing', unhealthy: [] }), false);
  assert.equal(settled({ result: 'converged' }), true);
  assert.equal(settled({ result: 'failed' }), true);
  assert.equal(settled({ result: 'degraded', unhealthy: [{ name: 'a', state: 'crash-looping' }] }), true);
  assert.equal(
    settled({
      result: 'degraded',
      unhealthy: [
        { name: 'a', state: 'rolled-back' },
        { name: 'b', state: 'starting', pending: true },
      ],
    }),
    false,
    'a rollback still to be judged',
  );
});
