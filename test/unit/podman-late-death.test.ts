/**
 * A death or removal podman tells late, after the container was removed and maybe another made
 * under its name (a removal of many containers lags behind; the benchmark's floor ran just
 * before the agent): the relay marks it `stale`, and the agent counts it towards no back-off
 * and asks no pass. A removal is late when the cache never held the container, or once a
 * managed container holds the name again.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ContainerCache } from '../../src/adapters/podman/cache.js';
import { EventRelay } from '../../src/adapters/podman/event-relay.js';
import type { PodmanEvent } from '../../src/adapters/podman/event-stream.js';
import { healthSignalOf, passReasonOf } from '../../src/agent/runtime-trigger.js';
import type { ObservedInstance } from '../../src/domain/observed.js';
import type { RuntimeEvent } from '../../src/ports/instance-runtime.js';

const container = (id: string, name: string): ObservedInstance => ({
  id,
  kind: 'container',
  name,
  state: 'running',
  image: 'app:v1',
  imageId: 'sha256:1',
  labels: { 'mcp.managed': 'true', 'mcp.spec-hash': 'h1' },
});

const died = (id: string, name: string): PodmanEvent => ({
  type: 'container',
  action: 'died',
  id,
  name,
  attributes: { 'mcp.managed': 'true', 'mcp.spec-hash': 'h1' },
  timeMs: 1,
});

/** A relay over a real cache, and what it delivers. */
const relayOver = (cache: ContainerCache) => {
  const relay = new EventRelay(
    () => {},
    (type, name, id) => cache.late(type, name, id),
  );
  const seen: RuntimeEvent[] = [];
  relay.onEvent((e) => seen.push(e));
  return { relay, seen };
};

describe('a late death of a container that is gone', () => {
  it('is marked stale once another container holds the name', () => {
    const cache = new ContainerCache();
    cache.containers.set('new', container('new', 'web-main'));
    const { relay, seen } = relayOver(cache);
    relay.queue(died('old', 'web-main'), 'die');
    relay.flush('old');
    assert.equal(seen.length, 1);
    assert.equal(seen[0].stale, true);
    assert.equal(healthSignalOf(seen[0]), undefined, 'no death counted against the new one');
    assert.equal(
      passReasonOf(seen[0], () => true),
      undefined,
      'no pass asked',
    );
  });

  it('is marked stale while the old one is still cached beside the new one', () => {
    const cache = new ContainerCache();
    cache.containers.set('old', container('old', 'web-main'));
    cache.containers.set('new', container('new', 'web-main'));
    const { relay, seen } = relayOver(cache);
    relay.queue(died('old', 'web-main'), 'die');
    relay.flush('old');
    assert.equal(seen[0].stale, true);
  });

  it('is marked stale when the container is gone and nothing holds its name', () => {
    const { relay, seen } = relayOver(new ContainerCache());
    relay.queue(died('old', 'web-main'), 'die');
    relay.flush('old');
    assert.equal(seen[0].stale, true);
    assert.equal(healthSignalOf(seen[0]), undefined);
  });

  it('is a death like any other while the container is still known under its name', () => {
    const cache = new ContainerCache();
    cache.containers.set('old', container('old', 'web-main'));
    const { relay, seen } = relayOver(cache);
    relay.queue(died('old', 'web-main'), 'die');
    relay.flush('old');
    assert.equal(seen[0].stale, undefined);
    assert.equal(healthSignalOf(seen[0]), 'died');
    assert.equal(
      passReasonOf(seen[0], () => true),
      'runtime die web-main',
    );
  });

  it('marks no start: a start of the old one is delivered as it is', () => {
    const cache = new ContainerCache();
    cache.containers.set('new', container('new', 'web-main'));
    const { relay, seen } = relayOver(cache);
    relay.queue({ ...died('old', 'web-main'), action: 'start' }, 'start');
    relay.flush('old');
    assert.equal(seen[0].stale, undefined);
  });
});

describe('a late removal of a container that is gone', () => {
  /** The informer's order: the cache forgets the container, then its removal is delivered. */
  const removeOld = (cache: ContainerCache) => {
    const { relay, seen } = relayOver(cache);
    relay.queue({ ...died('old', 'web-main'), action: 'remove' }, 'remove');
    cache.gone('old');
    relay.flush('old');
    return seen;
  };

  it('is marked stale once a managed container holds the name again, and asks no pass', () => {
    const cache = new ContainerCache();
    cache.containers.set('old', container('old', 'web-main'));
    cache.containers.set('new', container('new', 'web-main'));
    const seen = removeOld(cache);
    assert.equal(seen[0].stale, true);
    assert.equal(
      passReasonOf(seen[0], () => true),
      undefined,
    );
  });

  it('is marked stale when the cache never held the container (a list after it was gone)', () => {
    const seen = removeOld(new ContainerCache());
    assert.equal(seen[0].stale, true);
    assert.equal(
      passReasonOf(seen[0], () => true),
      undefined,
    );
  });

  it('is drift when nothing holds the name: a pass is asked', () => {
    const cache = new ContainerCache();
    cache.containers.set('old', container('old', 'web-main'));
    const seen = removeOld(cache);
    assert.equal(seen[0].stale, undefined);
    assert.equal(
      passReasonOf(seen[0], () => true),
      'runtime remove web-main',
    );
  });

  it('is drift when a hand-made container holds the name: a pass is asked', () => {
    const cache = new ContainerCache();
    cache.containers.set('old', container('old', 'web-main'));
    cache.containers.set('squatter', { ...container('squatter', 'web-main'), labels: {} });
    const seen = removeOld(cache);
    assert.equal(seen[0].stale, undefined);
    assert.equal(
      passReasonOf(seen[0], () => true),
      'runtime remove web-main',
    );
  });
});
