/**
 * The in-memory runtime: the shared InstanceRuntime contract, then the fault injection and
 * bookkeeping that unit tests of the agent rely on.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { McpError } from '../../src/domain/errors.js';
import { component, request } from '../contract/fixtures.js';
import { runtimeContract } from '../contract/instance-runtime.js';
import { MemoryRuntime } from '../support/memory-runtime.js';

const V1 = 'localhost/mcp-test/busybox:v1';
const V2 = 'localhost/mcp-test/busybox:v2';

const withImages = async () => {
  const rt = new MemoryRuntime();
  rt.addImage(V1);
  rt.addImage(V2);
  return rt;
};

runtimeContract(
  'memory',
  withImages,
  {
    images: { v1: V1, v2: V2, missing: 'localhost/mcp-test/missing:v0' },
    stopByHand: async (rt, name) => rt.stopByHand(name),
    killByHand: async (rt, name) => rt.killByHand(name),
    removeByHand: async (rt, name) => rt.removeByHand(name),
    addUnmanaged: async (rt, name) => void rt.addUnmanaged(name),
    cleanup: async () => {},
  },
  'mem-',
);

const codeOf = (err: unknown) => (err instanceof McpError ? err.code : undefined);

describe('MemoryRuntime fault injection', () => {
  it('throws RUNTIME_UNAVAILABLE from every call while down, and works again after', async () => {
    const rt = await withImages();
    rt.down();
    await assert.rejects(rt.observe([], []), (err) => codeOf(err) === 'RUNTIME_UNAVAILABLE');
    await assert.rejects(
      rt.create(request(component('a', 'b'))),
      (err) => codeOf(err) === 'RUNTIME_UNAVAILABLE',
    );
    rt.down(false);
    assert.deepEqual((await rt.observe([], [])).instances, []);
  });

  it('fails exactly the next call of the named operation with the given error', async () => {
    const rt = await withImages();
    rt.failNext('start', new McpError('RUNTIME', 'boom'));
    const id = await rt.create(request(component('a', 'b')));
    await assert.rejects(rt.start(id), /boom/);
    await rt.start(id);
    assert.equal(rt.instance('a-b')?.state, 'running');
  });

  it('counts calls per operation, and API calls without observe', async () => {
    const rt = await withImages();
    const id = await rt.create(request(component('a', 'b')));
    await rt.start(id);
    await rt.observe([], []);
    await rt.observe([], []);
    assert.equal(rt.calls.create, 1);
    assert.equal(rt.calls.observe, 2);
    assert.equal(rt.apiCalls(), 2);
  });

  it('gives deterministic ids in creation order', async () => {
    const a = await withImages();
    const b = await withImages();
    const ids = async (rt: MemoryRuntime) => [
      await rt.create(request(component('x', 'one'))),
      await rt.create(request(component('x', 'two'))),
    ];
    assert.deepEqual(await ids(a), await ids(b));
  });

  it('pulls only images registered as remote, and a retag changes the observed id', async () => {
    const rt = await withImages();
    const remote = rt.addRemoteImage('registry.example/app:v1');
    const told: string[] = [];
    assert.equal(await rt.ensureImage('registry.example/app:v1', () => told.push('pull')), remote);
    assert.equal(await rt.ensureImage('registry.example/app:v1', () => told.push('again')), remote);
    assert.deepEqual(told, ['pull'], 'said once: the second call finds it local');
    const retagged = rt.addImage(V1, 'sha256:retagged');
    assert.equal((await rt.observe([], [V1])).images[V1], retagged);
  });

  it('keeps the create request so tests can check what was asked for', async () => {
    const rt = await withImages();
    await rt.ensureNetwork('mcpnet');
    const req = request(component('a', 'b', { network: 'mcpnet' }), { routePorts: { rest: 10001 } });
    await rt.create(req);
    assert.deepEqual(rt.instance('a-b')?.request, req);
    assert.equal(rt.instance('a-b')?.network, 'mcpnet');
  });

  it('refuses create on a network that was never ensured', async () => {
    const rt = await withImages();
    await assert.rejects(
      rt.create(request(component('a', 'b', { network: 'nope' }))),
      (err) => codeOf(err) === 'NOT_FOUND',
    );
  });
});
