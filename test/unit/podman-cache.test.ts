/**
 * The informer's cache against a relist that raced with events: what an event told after the
 * relist began wins, a removal stays removed, and a container an event announced but no
 * targeted list has fetched yet is not dropped while the relist saw it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ContainerCache } from '../../src/adapters/podman/cache.js';
import type { ObservedInstance } from '../../src/domain/observed.js';

const container = (id: string, state: ObservedInstance['state'] = 'running'): ObservedInstance => ({
  id,
  kind: 'container',
  name: `web-${id}`,
  state,
  image: 'app:v1',
  imageId: 'sha256:1',
  labels: { 'mcp.managed': 'true' },
});

describe('the informer cache under a racing relist', () => {
  it('keeps a container an event announced after the relist began, though no refresh has fetched it yet', () => {
    const cache = new ContainerCache();
    const since = cache.mark();
    cache.touch('a'); // podman's create event; its targeted list has not answered yet
    const result = cache.replace(since, [container('a')], new Map());
    assert.deepEqual([...cache.containers.keys()], ['a'], 'the relist saw it: it exists');
    assert.deepEqual(result.stale, ['a'], 'and it is refreshed again');
  });

  it('does not bring back a container removed after the relist began', () => {
    const cache = new ContainerCache();
    cache.containers.set('a', container('a'));
    const since = cache.mark();
    cache.touch('a');
    cache.gone('a');
    cache.replace(since, [container('a')], new Map());
    assert.equal(cache.containers.has('a'), false);
  });

  it('keeps the event-driven state over the relist’s older one', () => {
    const cache = new ContainerCache();
    cache.containers.set('a', container('a'));
    const since = cache.mark();
    cache.touch('a');
    cache.containers.set('a', container('a', 'exited'));
    cache.replace(since, [container('a', 'running')], new Map());
    assert.equal(cache.containers.get('a')?.state, 'exited');
  });

  it('forgets a removal once a later relist began after it', () => {
    const cache = new ContainerCache();
    cache.touch('a');
    cache.gone('a');
    const since = cache.mark();
    cache.replace(since, [container('a')], new Map());
    assert.equal(cache.containers.has('a'), true, 'a relist begun after the removal is the truth');
  });
});
