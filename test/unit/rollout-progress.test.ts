/**
 * What `mcp deploy` waits for and prints: a pass at the commit settles once nothing is still
 * starting; a line per component when its state or health changes; each rollback by name.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { errorLines, progressLines, rollbackLines } from '../../src/cli/rollout-progress.js';
import type { ActivityPhase } from '../../src/domain/activity.js';
import { countOutcomes } from '../../src/domain/outcome.js';
import { settled } from '../../src/domain/pass.js';
import type { PassStatus, ServicesAnswer } from '../../src/wire/api.js';

const pass = (result: PassStatus['result'], unhealthy?: PassStatus['unhealthy']): PassStatus => ({
  at: '2026-11-29T00:00:00Z',
  revision: 'abc',
  result,
  summary: '',
  durationMs: 1,
  counts: countOutcomes([]),
  errors: [],
  ...(unhealthy ? { unhealthy } : {}),
});

describe('mcp deploy waits for health', () => {
  it('keeps waiting while an instance is starting, restarting or within its start_timeout, not once it is unhealthy past it or rolled back', () => {
    assert.equal(settled(pass('converged')), true);
    assert.equal(settled(pass('degraded', [{ name: 'web-api', state: 'starting' }])), false);
    assert.equal(settled(pass('degraded', [{ name: 'web-api', state: 'restarting' }])), false);
    assert.equal(settled(pass('degraded', [{ name: 'web-api', state: 'unhealthy' }])), true);
    assert.equal(
      settled(pass('degraded', [{ name: 'web-api', state: 'unhealthy', pending: true }])),
      false,
      'an unhealthy instance within its start_timeout may still be rolled back',
    );
    assert.equal(settled(pass('degraded', [{ name: 'web-api', state: 'rolled-back', reason: 'r' }])), true);
    assert.equal(settled(pass('failed')), true);
  });

  it('names each rolled-back component', () => {
    const p = pass('degraded', [
      {
        name: 'web-api',
        state: 'rolled-back',
        reason: 'rolled back: api 1234567 unhealthy after 3 s; running 89abcde',
      },
      { name: 'web-db', state: 'unhealthy' },
    ]);
    assert.deepEqual(rollbackLines('rift', p), [
      'rift: web-api rolled back: api 1234567 unhealthy after 3 s; running 89abcde',
    ]);
  });

  it('says why a pass did not converge, at most five reasons', () => {
    const errors = Array.from({ length: 7 }, (_, i) => ({
      code: 'IMAGE_UNAVAILABLE' as const,
      message: `image app:v${i} cannot be pulled`,
      name: `web-c${i}`,
    }));
    const lines = errorLines('rift', { ...pass('degraded'), errors });
    assert.equal(lines.length, 6);
    assert.equal(lines[0], 'rift: web-c0 IMAGE_UNAVAILABLE: image app:v0 cannot be pulled');
    assert.equal(lines[5], 'rift: ... and 2 more');
    assert.deepEqual(errorLines('rift', pass('converged')), []);
  });

  it('prints a line per component of the deployed services only when its state or health changed', () => {
    const view = (health: 'starting' | 'healthy'): ServicesAnswer => ({
      node: 'rift',
      revision: 'abc',
      runtimeError: null,
      services: [
        {
          name: 'web',
          active: true,
          dependsOn: [],
          suspended: null,
          jobs: [],
          components: [
            {
              name: 'api',
              instance: 'web-api',
              kind: 'container',
              image: 'i',
              state: 'running',
              health,
              healthNote: null,
              activity: null,
              startedAt: null,
              ports: [],
            },
            {
              name: 'db',
              instance: 'web-db',
              kind: 'container',
              image: 'i',
              state: 'running',
              health: 'none',
              healthNote: null,
              activity: null,
              startedAt: null,
              ports: [],
            },
          ],
        },
        { name: 'other', active: true, dependsOn: [], suspended: null, jobs: [], components: [] },
      ],
    });
    const seen = new Map<string, string>();
    assert.deepEqual(progressLines('rift', view('starting'), new Set(['web']), seen), [
      'rift: web-api running, starting',
      'rift: web-db running',
    ]);
    assert.deepEqual(progressLines('rift', view('starting'), new Set(['web']), seen), []);
    assert.deepEqual(progressLines('rift', view('healthy'), new Set(['web']), seen), [
      'rift: web-api running, healthy',
    ]);
  });

  it('shows the phase a pass is in (pulling, creating, starting) before the state it leads to, a line each, without a note that repeats the health', () => {
    const view = (
      state: 'missing' | 'created' | 'running',
      health: 'starting' | 'healthy',
      phase?: ActivityPhase,
      healthNote: string | null = null,
    ): ServicesAnswer => ({
      node: 'rift',
      revision: 'abc',
      runtimeError: null,
      services: [
        {
          name: 'wiki',
          active: true,
          dependsOn: [],
          suspended: null,
          jobs: [],
          components: [
            {
              name: 'main',
              instance: 'wiki-main',
              kind: 'container',
              image: 'i',
              state,
              health,
              healthNote,
              activity: phase ? { phase, since: '2026-11-29T00:00:00Z' } : null,
              startedAt: null,
              ports: [],
            },
          ],
        },
      ],
    });
    const seen = new Map<string, string>();
    const note = 'rolled-back: main v2 unhealthy after 3 s';
    const lines = [
      view('missing', 'starting', 'pulling', note),
      view('missing', 'starting', 'pulling', note),
      view('missing', 'starting', 'creating', note),
      view('created', 'starting', 'starting', note),
      view('running', 'starting', undefined, 'starting'),
      view('running', 'healthy'),
    ].flatMap((v) => progressLines('rift', v, new Set(['wiki']), seen));
    assert.deepEqual(lines, [
      'rift: wiki-main pulling',
      'rift: wiki-main creating',
      'rift: wiki-main starting',
      'rift: wiki-main running, starting',
      'rift: wiki-main running, healthy',
    ]);
  });
});
