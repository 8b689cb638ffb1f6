/**
 * A spec written back as a service file (`mcp service show|export`, the agent's re-check of
 * its last good revision) loads to the same spec: every probe kind of a health table, its
 * timings, and a service's `rollback = false` included.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { specHash } from '../../src/domain/hash.js';
import type { HealthSpec, ServiceSpec } from '../../src/domain/spec.js';
import { loadRevisionFromFiles } from '../../src/validate/load.js';
import { renderServiceFile } from '../../src/validate/service-toml.js';
import { component } from '../support/plan-builders.js';

const timings = { interval: 2, timeout: 1, retries: 4, startPeriod: 3, startTimeout: 30 };
const probes: HealthSpec[] = [
  { probe: { kind: 'cmd', cmd: ['wget', '-q', '-O-', 'http://127.0.0.1:8080/'] }, ...timings },
  { probe: { kind: 'http', port: 8080, path: '/healthz' }, ...timings },
  { probe: { kind: 'tcp', port: 5432 }, ...timings },
];

describe('a spec written back as a service file', () => {
  for (const health of probes) {
    it(`loads to the same spec, with its ${health.probe.kind} probe and rollback = false`, () => {
      const spec: ServiceSpec = {
        name: 'web',
        node: 'rift',
        active: true,
        rollback: false,
        dependsOn: [],
        components: [
          component('web', 'api', {
            image: 'mcr.example:8443/api:v1',
            health,
            ports: [5432, 8080].map((port) => ({
              hostIp: '127.0.0.1',
              hostPort: port + 10000,
              containerPort: port,
              protocol: 'tcp' as const,
            })),
          }),
        ],
        file: 'services/web.toml',
      };
      const result = loadRevisionFromFiles([{ path: spec.file, text: renderServiceFile(spec) }]);
      assert.ok(result.ok, JSON.stringify(!result.ok && result.errors));
      const [back] = result.revision.services;
      assert.deepEqual(back.components[0].health, health);
      assert.equal(back.rollback, false);
      assert.equal(specHash(back.components[0]), specHash(spec.components[0]), 'the same spec hash');
    });
  }
});

describe('the pull policy written back', () => {
  for (const pull of ['always', 'newer'] as const) {
    it(`keeps pull = "${pull}", and a pinned image id is the agent's, never written`, () => {
      const spec: ServiceSpec = {
        name: 'web',
        node: 'rift',
        active: true,
        dependsOn: [],
        components: [
          component('web', 'api', { image: 'mcr.example:8443/api:v1', pull, imageId: 'sha256:aa' }),
        ],
        file: 'services/web.toml',
      };
      const text = renderServiceFile(spec);
      assert.doesNotMatch(text, /sha256/);
      const result = loadRevisionFromFiles([{ path: spec.file, text }]);
      assert.ok(result.ok, JSON.stringify(!result.ok && result.errors));
      assert.equal(result.revision.services[0].components[0].pull, pull);
    });
  }
});
