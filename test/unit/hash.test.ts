import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canonicalJson, specHash } from '../../src/domain/hash.js';
import { component } from '../support/plan-builders.js';

const sortedByReplacer = (value: unknown): string =>
  JSON.stringify(value, (_k, v) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, v[k]]),
        )
      : v,
  );

test('canonical JSON sorts keys at every level and drops undefined members', () => {
  assert.equal(
    canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 'x' }], c: undefined } }),
    '{"a":{"d":[3,{"y":"x","z":1}]},"b":1}',
  );
});

test('canonical JSON equals JSON.stringify of the key-sorted value, so hashes never change meaning', () => {
  const values = [
    component('web', 'api', {
      env: ['A=1', 'B="quoted" \\ back'],
      ports: [{ hostIp: '', hostPort: 80, containerPort: 8080, protocol: 'tcp' }],
      routes: [{ name: 'rest', port: 8443, mode: 'l4', hostname: 'ü.example' }],
      user: undefined,
    }),
    [1, null, 'x', [true, false], { k: [] }],
    { '': 0, 'a"b': -1.5e-7, n: null },
  ];
  for (const v of values) assert.equal(canonicalJson(v), sortedByReplacer(v));
});

test('the spec hash is stable for equal specs and differs when any field differs', () => {
  const a = component('web', 'api');
  assert.equal(specHash(a), specHash({ ...a }));
  assert.notEqual(specHash(a), specHash({ ...a, cmd: ['serve'] }));
  assert.match(specHash(a), /^[0-9a-f]{16}$/);
});

test('an http or tcp probe is not part of the spec hash (the agent runs it from the host); a cmd probe is (podman runs it)', () => {
  const health = (probe: object) => ({
    probe,
    interval: 10,
    timeout: 5,
    retries: 3,
    startPeriod: 0,
    startTimeout: 300,
  });
  const bare = component('web', 'api');
  const http = component('web', 'api', { health: health({ kind: 'http', port: 8080, path: '/' }) as never });
  const http2 = component('web', 'api', {
    health: { ...health({ kind: 'http', port: 8080, path: '/healthz' }), retries: 5 } as never,
  });
  const tcp = component('web', 'api', { health: health({ kind: 'tcp', port: 8080 }) as never });
  const cmd = component('web', 'api', { health: health({ kind: 'cmd', cmd: ['true'] }) as never });
  const cmd2 = component('web', 'api', { health: health({ kind: 'cmd', cmd: ['false'] }) as never });
  assert.equal(specHash(http), specHash(bare));
  assert.equal(specHash(http2), specHash(bare));
  assert.equal(specHash(tcp), specHash(bare));
  assert.notEqual(specHash(cmd), specHash(bare));
  assert.notEqual(specHash(cmd2), specHash(cmd));
});
