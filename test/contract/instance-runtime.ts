/**
 * The behaviour every InstanceRuntime must have, as one suite run against the in-memory fake
 * and against real podman (STYLE.md 4: one contract per port). Out-of-band actions (what an
 * operator does by hand) go through `hooks`, never through the runtime under test.
 */
import assert from 'node:assert/strict';
import { after, afterEach, beforeEach, describe, it } from 'node:test';
import { McpError } from '../../src/domain/errors.js';
import { LABEL, type ObservedInstance } from '../../src/domain/observed.js';
import type { InstanceRuntime, RuntimeEvent } from '../../src/ports/instance-runtime.js';
import { component, eventually, request } from './fixtures.js';

/** What the contract needs from the world around the runtime under test. */
export interface RuntimeHooks<R extends InstanceRuntime> {
  /** Two local tags of one image with different ids, and a ref that is neither local nor pullable. */
  images: { v1: string; v2: string; missing: string };
  stopByHand(runtime: R, name: string): Promise<void>;
  killByHand(runtime: R, name: string): Promise<void>;
  removeByHand(runtime: R, name: string): Promise<void>;
  /** Creates and starts a container without MCP labels, holding `name`. */
  addUnmanaged(runtime: R, name: string): Promise<void>;
  /** Removes everything whose name starts with `prefix` (and networks so named). */
  cleanup(prefix: string): Promise<void>;
}

const codeOf = (err: unknown) => (err instanceof McpError ? err.code : `not an McpError: ${err}`);

/** Registers the suite; `prefix` keeps the names of one run apart from every other. */
export const runtimeContract = <R extends InstanceRuntime>(
  name: string,
  makeRuntime: () => Promise<R>,
  hooks: RuntimeHooks<R>,
  prefix: string,
) => {
  describe(`InstanceRuntime contract: ${name}`, () => {
    let rt: R;
    let n = 0;
    let service: string;
    const events: RuntimeEvent[] = [];
    const find = async (instance: string): Promise<ObservedInstance | undefined> =>
      (await rt.observe([instance], [])).instances.find((i) => i.name === instance);
    const stateOf = async (instance: string) => (await find(instance))?.state ?? 'absent';
    const running = async (svc: string, comp = 'app') => {
      const id = await rt.create(request(component(svc, comp, { image: hooks.images.v1 })));
      await rt.start(id);
      await eventually(`${svc}-${comp} running`, async () => (await stateOf(`${svc}-${comp}`)) === 'running');
      return id;
    };

    beforeEach(async () => {
      n += 1;
      service = `${prefix}s${n}`;
      rt = await makeRuntime();
      events.length = 0;
      rt.onEvent((e) => events.push(e));
    });
    afterEach(async () => {
      await rt.close();
      await hooks.cleanup(prefix);
    });
    after(() => hooks.cleanup(prefix));

    it('creates the instance <service>-<component>, labelled as MCP-managed with its hash and revision', async () => {
      const id = await rt.create(request(component(service, 'web', { image: hooks.images.v1 })));
      await eventually('created instance observed', async () => (await find(`${service}-web`)) !== undefined);
      const inst = await find(`${service}-web`);
      assert.equal(inst?.id, id);
      assert.equal(inst?.state, 'created');
      assert.equal(inst?.image, hooks.images.v1);
      assert.equal(inst?.imageId, await rt.ensureImage(hooks.images.v1));
      assert.deepEqual(
        {
          managed: inst?.labels[LABEL.managed],
          service: inst?.labels[LABEL.service],
          component: inst?.labels[LABEL.component],
          hash: inst?.labels[LABEL.specHash],
          revision: inst?.labels[LABEL.revision],
        },
        { managed: 'true', service, component: 'web', hash: 'h-0001', revision: 'rev-abc' },
      );
    });

    it('reflects its own writes in observe as soon as each call returns', async () => {
      const name = `${service}-app`;
      const id = await rt.create(request(component(service, 'app', { image: hooks.images.v1 })));
      assert.equal(await stateOf(name), 'created');
      await rt.start(id);
      assert.equal(await stateOf(name), 'running');
      await rt.stop(id, 5);
      assert.equal(await stateOf(name), 'exited');
      await rt.remove(id);
      assert.equal(await stateOf(name), 'absent');
    });

    it('observes managed instances without being asked for their names', async () => {
      await running(service);
      const all = await rt.observe([], []);
      assert.ok(all.instances.some((i) => i.name === `${service}-app` && i.state === 'running'));
    });

    it('starts a created instance, and starting a running one again is success', async () => {
      const id = await running(service);
      await rt.start(id);
      assert.equal(await stateOf(`${service}-app`), 'running');
    });

    it('stops a running instance; stopping it again, or stopping a gone one, is success', async () => {
      const id = await running(service);
      await rt.stop(id, 5);
      await eventually('stopped instance exited', async () => (await stateOf(`${service}-app`)) === 'exited');
      await rt.stop(id, 5);
      await rt.remove(id);
      await rt.stop(id, 5);
    });

    it('removes a running instance; removing it again is success', async () => {
      const id = await running(service);
      await rt.remove(id);
      await eventually('removed instance gone', async () => (await stateOf(`${service}-app`)) === 'absent');
      await rt.remove(id);
    });

    it('refuses to start a gone instance with NOT_FOUND', async () => {
      const id = await running(service);
      await rt.remove(id);
      await assert.rejects(rt.start(id), (err) => codeOf(err) === 'NOT_FOUND');
    });

    it('refuses a name held by an unmanaged container with CONFLICT, and never reports that container unasked', async () => {
      await hooks.addUnmanaged(rt, `${service}-app`);
      await assert.rejects(
        rt.create(request(component(service, 'app', { image: hooks.images.v1 }))),
        (err) => codeOf(err) === 'CONFLICT',
      );
      await eventually(
        'unmanaged holder observed when named',
        async () => (await find(`${service}-app`)) !== undefined,
      );
      const holder = await find(`${service}-app`);
      assert.equal(holder?.labels[LABEL.managed], undefined);
      const unasked = await rt.observe([], []);
      assert.ok(!unasked.instances.some((i) => i.name === `${service}-app`));
    });

    it('refuses a second create of the same managed name with CONFLICT', async () => {
      await running(service);
      await assert.rejects(
        rt.create(request(component(service, 'app', { image: hooks.images.v1 }))),
        (err) => codeOf(err) === 'CONFLICT',
      );
    });

    it('returns local image ids from ensureImage, the same observe reports, and a different one per tag', async () => {
      const pulls: string[] = [];
      const v1 = await rt.ensureImage(hooks.images.v1, () => pulls.push(hooks.images.v1));
      const v2 = await rt.ensureImage(hooks.images.v2, () => pulls.push(hooks.images.v2));
      assert.notEqual(v1, v2);
      assert.deepEqual(pulls, [], 'an image present locally is never said to be pulled');
      const seen = await rt.observe([], [hooks.images.v1, hooks.images.v2, hooks.images.missing]);
      assert.deepEqual(seen.images, { [hooks.images.v1]: v1, [hooks.images.v2]: v2 });
    });

    it('fails ensureImage with IMAGE_UNAVAILABLE when the image is neither local nor pullable', async () => {
      await assert.rejects(rt.ensureImage(hooks.images.missing), (err) => {
        assert.equal(codeOf(err), 'IMAGE_UNAVAILABLE');
        assert.match((err as Error).message, /not found locally and the registry is unreachable/);
        return true;
      });
    });

    it('creates a network once and attaches instances to it', async () => {
      const network = `${prefix}net`;
      await rt.ensureNetwork(network);
      await rt.ensureNetwork(network);
      const id = await rt.create(request(component(service, 'app', { image: hooks.images.v1, network })));
      await rt.start(id);
      await eventually(
        'networked instance running',
        async () => (await stateOf(`${service}-app`)) === 'running',
      );
    });

    it('sees a container stopped by hand within 1 s, with a die event for it', async () => {
      const id = await running(service);
      events.length = 0;
      await hooks.stopByHand(rt, `${service}-app`);
      await eventually(
        'exited after stop by hand',
        async () => (await stateOf(`${service}-app`)) === 'exited',
      );
      await eventually('die event', () => events.some((e) => e.type === 'die' && e.id === id));
    });

    it('sees a container killed by hand within 1 s, with a die event for it that names its node', async () => {
      const id = await running(service);
      events.length = 0;
      await hooks.killByHand(rt, `${service}-app`);
      await eventually(
        'exited after kill by hand',
        async () => (await stateOf(`${service}-app`)) === 'exited',
      );
      await eventually('die event', () => events.some((e) => e.type === 'die' && e.id === id));
      const die = events.find((e) => e.type === 'die' && e.id === id)!;
      assert.equal(die.node, 'contract-node', 'the mcp.node label');
    });

    it('sees a container removed by hand within 1 s, with a remove event marked managed', async () => {
      const id = await running(service);
      events.length = 0;
      await hooks.removeByHand(rt, `${service}-app`);
      await eventually(
        'gone after remove by hand',
        async () => (await stateOf(`${service}-app`)) === 'absent',
      );
      await eventually('remove event', () =>
        events.some((e) => e.type === 'remove' && e.id === id && e.managed),
      );
    });

    it('marks events of unmanaged containers as not managed', async () => {
      await hooks.addUnmanaged(rt, `${service}-other`);
      await eventually('create event of the unmanaged container', () =>
        events.some((e) => e.type === 'create' && e.name === `${service}-other`),
      );
      assert.ok(events.filter((e) => e.name === `${service}-other`).every((e) => !e.managed));
    });

    it('reflects an event in observe by the time the event is delivered', async () => {
      const id = await running(service);
      const seenAtEvent: string[] = [];
      rt.onEvent((e) => {
        if (e.id === id && e.type === 'die') {
          void find(`${service}-app`).then((inst) => seenAtEvent.push(inst?.state ?? 'absent'));
        }
      });
      await hooks.killByHand(rt, `${service}-app`);
      await eventually('die event observed', () => seenAtEvent.length > 0);
      assert.equal(seenAtEvent[0], 'exited');
    });

    it('keeps the same view across a resync when nothing changed', async () => {
      await running(service);
      const before = await rt.observe([], []);
      await rt.resync();
      const afterResync = await rt.observe([], []);
      const mine = (o: typeof before) => o.instances.filter((i) => i.name.startsWith(prefix));
      assert.deepEqual(mine(afterResync), mine(before));
    });
  });
};
