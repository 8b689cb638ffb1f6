/**
 * Stopping the loop while a pass is in flight: the pass still hands its instances over to the
 * health board, and nothing it hands over may outlive the stop. A timer left behind would write
 * to a registry the agent has closed since (in one process hosting agent after agent, as the
 * tests and benchmarks do, that ends the process).
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { openRegistry } from '../../src/adapters/sqljs/registry.js';
import { startLoop } from '../../src/agent/loop.js';
import type { ActivityPhase } from '../../src/domain/activity.js';
import { silentLogger } from '../../src/log.js';
import { defaultOptions } from '../support/agent-harness.js';
import { MemoryRuntime } from '../support/memory-runtime.js';
import { component } from '../support/plan-builders.js';

it('leaves no timer of the health board behind when it stops during a pass', async () => {
  const runtime = new MemoryRuntime();
  const store = await openRegistry();
  const spec = component('web', 'api', { image: 'app:v1' });
  runtime.addImage(spec.image);
  const revision = {
    commit: 'c0ffee',
    services: [{ name: 'web', node: 'rift', active: true, dependsOn: [], components: [spec], file: 'x' }],
  };
  let stopped: Promise<void> | undefined;
  const loop = startLoop(
    {
      node: 'rift',
      source: { description: 'test', fetch: async () => ({ ok: true, revision }) },
      runtimes: { container: runtime },
      store,
      log: silentLogger,
      // The stop comes while the instance starts: the pass is in flight, its hand-over still ahead.
      progress: (_name: string, phase: ActivityPhase | undefined) => {
        if (phase === 'starting') stopped ??= loop.stop();
      },
    },
    defaultOptions,
    silentLogger,
    { interval: 3600, debounceMs: 0, steadyMs: 20 },
  );
  await loop.scheduler.trigger('start');
  assert.ok(stopped, 'the stop came during the pass');
  await stopped;
  assert.equal(runtime.instance('web-api')?.state, 'running', 'the pass finished its start');
  const late: string[] = [];
  store.setLastHealthy = (healthy) => void late.push(healthy.name);
  store.close();
  // Well past steadyMs: a steady timer the pass set after the stop would have fired by now.
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.deepEqual(late, [], 'nothing wrote to the registry after the loop stopped');
});
