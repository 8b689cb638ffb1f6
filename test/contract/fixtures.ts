/** Small builders shared by the runtime contract and the podman integration tests. */
import type { ComponentSpec } from '../../src/domain/spec.js';
import type { CreateRequest } from '../../src/ports/instance-runtime.js';
import { component as specOf } from '../support/plan-builders.js';

/** A minimal container component (busybox, sleeping); override what the test is about. */
export const component = (service: string, name: string, over: Partial<ComponentSpec> = {}): ComponentSpec =>
  specOf(service, name, {
    image: 'localhost/mcp-test/busybox:v1',
    restart: 'no',
    cmd: ['sleep', '3600'],
    ...over,
  });

/** A create request for `spec` with a fixed hash and revision. */
export const request = (spec: ComponentSpec, over: Partial<CreateRequest> = {}): CreateRequest => ({
  spec,
  hash: 'h-0001',
  revision: 'rev-abc',
  routePorts: {},
  node: 'contract-node',
  ...over,
});

/** Polls `check` until it returns true; throws after `timeoutMs`. Returns the milliseconds it took. */
export const eventually = async (what: string, check: () => Promise<boolean> | boolean, timeoutMs = 1000) => {
  const started = performance.now();
  for (;;) {
    if (await check()) return performance.now() - started;
    if (performance.now() - started > timeoutMs) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};
