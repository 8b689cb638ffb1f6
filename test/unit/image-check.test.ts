/**
 * The digest check's rules with a registry and a runtime the test plays: a moved digest is
 * pulled and announced once per instance with both digests, then a pass; a digest the local
 * image already has pulls nothing; a registry that cannot be reached is asked once per round
 * (not once per image), reported once per reason, and its images retried next round.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openRegistry } from '../../src/adapters/sqljs/registry.js';
import { ImageChecker } from '../../src/agent/image-check.js';
import { McpError } from '../../src/domain/errors.js';
import type { Observed } from '../../src/domain/observed.js';
import { silentLogger } from '../../src/log.js';
import type { ImageRegistry } from '../../src/ports/image-registry.js';
import type { InstanceRuntime } from '../../src/ports/instance-runtime.js';
import { component, service } from '../support/plan-builders.js';

const images = Array.from({ length: 9 }, (_, i) => `reg.example/app${i}:v1`);

const setup = async (registry: ImageRegistry, local: Record<string, { id: string; digests: string[] }>) => {
  const store = await openRegistry();
  const services = images.map((image, i) =>
    service(`s${i}`, [component(`s${i}`, 'main', { image, pull: 'newer' })]),
  );
  store.setApplied({ commit: 'abc', services }, 'converged', new Date().toISOString());
  const pulls: string[] = [];
  const triggers: string[] = [];
  const runtime = {
    observe: async (_names: readonly string[], refs: readonly string[]): Promise<Observed> => ({
      instances: [],
      images: Object.fromEntries(refs.filter((r) => local[r]).map((r) => [r, local[r].id])),
    }),
    pullImage: async (ref: string) => {
      pulls.push(ref);
      return `${local[ref].id}-new`;
    },
    imageDigests: async (ref: string, id: string) => (local[ref]?.id === id ? local[ref].digests : []),
  } as unknown as InstanceRuntime;
  const checker = new ImageChecker(
    { node: 'rift', store, runtime, registry, log: silentLogger, trigger: (r) => triggers.push(r) },
    3_600_000,
  );
  return { store, checker, pulls, triggers };
};

const local = Object.fromEntries(images.map((r, i) => [r, { id: `sha256:${i}`, digests: [`sha256:d${i}`] }]));

describe('the digest check', () => {
  it('pulls a moved tag, says so per instance with both digests, and asks for a pass; an unmoved tag pulls nothing', async () => {
    const registry: ImageRegistry = {
      digest: async (ref) => (ref === images[1] ? 'sha256:moved' : local[ref].digests[0]),
      registryOf: () => 'https://reg.example',
    };
    const { store, checker, pulls, triggers } = await setup(registry, local);
    const round = await checker.check();
    assert.deepEqual(pulls, [images[1]]);
    assert.deepEqual(round.updated, [{ image: images[1], from: ['sha256:d1'], to: ['sha256:moved'] }]);
    const [event] = store.events(10).filter((e) => e.kind === 'image-updated');
    assert.equal(event.name, 's1-main');
    assert.deepEqual([event.data?.from, event.data?.to], [['sha256:d1'], ['sha256:moved']]);
    assert.deepEqual(triggers, [`image ${images[1]} updated`]);
  });

  it('asks an unreachable registry once per round, reports each image once per reason, and retries next round', async () => {
    let asked = 0;
    const registry: ImageRegistry = {
      digest: async (ref) => {
        asked += 1;
        await new Promise((r) => setTimeout(r, 20));
        throw new McpError('IMAGE_UNAVAILABLE', `image ${ref}: the registry could not be asked`, {
          image: ref,
          reason: 'ECONNREFUSED https://reg.example',
          unreachable: true,
        });
      },
      registryOf: () => 'https://reg.example',
    };
    const { store, checker, pulls, triggers } = await setup(registry, local);
    const first = await checker.check();
    assert.equal(first.failed.length, 9);
    // The images asked at once before the first refusal came back; the rest were not asked.
    assert.ok(asked <= 4, `asked ${asked} times for 9 images of one registry`);
    const askedFirst = asked;
    const second = await checker.check();
    assert.equal(second.failed.length, 9);
    assert.ok(asked > askedFirst, 'retried on the next round');
    const failed = store.events(50).filter((e) => e.kind === 'image-check-failed');
    assert.equal(failed.length, 9, 'one event per image for the standing condition, not one per round');
    assert.deepEqual([pulls, triggers], [[], []]);
  });
});
