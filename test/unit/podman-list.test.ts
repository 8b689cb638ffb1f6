/**
 * podman's own list (libpod) read as observed state the way the Docker-compatible list was:
 * a name without its leading slash, the image id with the `sha256:` the image list gives it
 * (the plan compares the two), no labels as none.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toInstance } from '../../src/adapters/podman/translate.js';

test('a libpod entry and a compatible one of the same container read the same', () => {
  const id = 'fe0642d759ea1395d42a9eee62747f6ec6a0c73bf7e4f7fa89206c567bdd0b0e';
  const libpod = toInstance({
    Id: 'c1',
    Names: ['web-main'],
    State: 'running',
    Image: 'localhost/app:v1',
    ImageID: id,
    Labels: { 'mcp.managed': 'true' },
  });
  const compat = toInstance({
    Id: 'c1',
    Names: ['/web-main'],
    State: 'running',
    Image: 'localhost/app:v1',
    ImageID: `sha256:${id}`,
    Labels: { 'mcp.managed': 'true' },
  });
  assert.deepEqual(libpod, compat);
  assert.equal(libpod.imageId, `sha256:${id}`);
  assert.equal(libpod.name, 'web-main');
});

test('a container without labels or an image id reads as having none', () => {
  const c = toInstance({ Id: 'c2', Names: ['x'], State: 'exited', Image: 'app', ImageID: '', Labels: null });
  assert.deepEqual(c.labels, {});
  assert.equal(c.imageId, undefined);
  assert.equal(c.state, 'exited');
});
