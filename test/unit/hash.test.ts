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
