import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { diffSpecs } from '../../src/domain/diff.js';
import { component } from '../support/plan-builders.js';

describe('diffSpecs', () => {
  it('finds nothing between equal specs', () => {
    assert.deepEqual(diffSpecs(component('web', 'api'), component('web', 'api')), []);
  });

  it('names a changed image with its old and new reference', () => {
    const from = component('web', 'api', { image: 'x:v1' });
    const to = component('web', 'api', { image: 'x:v2' });

    assert.deepEqual(diffSpecs(from, to), [{ field: 'image', from: 'x:v1', to: 'x:v2' }]);
  });

  it('compares lists and objects by value, not by identity', () => {
    const ports = () => [{ hostIp: '', hostPort: 80, containerPort: 8080, protocol: 'tcp' as const }];
    const from = component('web', 'api', { env: ['A=1'], ports: ports() });
    const to = component('web', 'api', { env: ['A=1'], ports: ports() });

    assert.deepEqual(diffSpecs(from, to), []);
  });

  it('ignores the key order of nested objects', () => {
    const from = component('web', 'api', { routes: [{ name: 'rest', port: 80, mode: 'l4' }] });
    const to = component('web', 'api', { routes: [{ mode: 'l4', port: 80, name: 'rest' }] });

    assert.deepEqual(diffSpecs(from, to), []);
  });

  it('reports a whole list when one of its entries changed', () => {
    const from = component('web', 'api', { env: ['A=1', 'B=2'] });
    const to = component('web', 'api', { env: ['A=1', 'B=3'] });

    assert.deepEqual(diffSpecs(from, to), [{ field: 'env', from: ['A=1', 'B=2'], to: ['A=1', 'B=3'] }]);
  });

  it('reports a field present on one side only as null on the other', () => {
    const from = component('web', 'api');
    const to = component('web', 'api', { user: '0:0' });

    assert.deepEqual(diffSpecs(from, to), [{ field: 'user', from: null, to: '0:0' }]);
    assert.deepEqual(diffSpecs(to, from), [{ field: 'user', from: '0:0', to: null }]);
  });

  it('treats an optional field set to undefined as absent', () => {
    assert.deepEqual(diffSpecs(component('web', 'api', { user: undefined }), component('web', 'api')), []);
  });

  it('lists several changes in alphabetical order of field', () => {
    const from = component('web', 'api', { image: 'x:v1', cmd: ['a'], restart: 'always' });
    const to = component('web', 'api', { image: 'x:v2', cmd: ['b'], restart: 'no' });

    assert.deepEqual(
      diffSpecs(from, to).map((c) => c.field),
      ['cmd', 'image', 'restart'],
    );
  });
});
