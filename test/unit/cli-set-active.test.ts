/** `mcp stop` / `mcp start` edit one key of a service file and keep the rest as the operator wrote it. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setActive } from '../../src/cli/rollout.js';

test('replaces an existing top-level active, whatever its spacing', () => {
  assert.equal(
    setActive('name = "a"\nactive=true\n[[components]]\n', false),
    'name = "a"\nactive = false\n[[components]]\n',
  );
});

test('inserts active after node when the file has none, keeping comments', () => {
  assert.equal(
    setActive('# dns\nname = "dns"\nnode = "rift" # the edge\n\n[[components]]\nname = "main"\n', false),
    '# dns\nname = "dns"\nnode = "rift" # the edge\nactive = false\n\n[[components]]\nname = "main"\n',
  );
});

test('never touches a key of the same name inside a table', () => {
  const text = 'name = "a"\nnode = "n"\n[[components]]\nactive = "not ours"\n';
  assert.equal(
    setActive(text, true),
    'name = "a"\nnode = "n"\nactive = true\n[[components]]\nactive = "not ours"\n',
  );
});
