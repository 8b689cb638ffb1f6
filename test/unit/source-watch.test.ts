/** What the directory source's watch ignores: git's files and the agent's own state directory. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ignoredBySourceWatch } from '../../src/agent/daemon.js';

test('a state directory inside the source is not watched; the service files beside it are', () => {
  const ignored = ignoredBySourceWatch('/srv/repo/state');
  assert.equal(ignored('/srv/repo/state'), true);
  assert.equal(ignored('/srv/repo/state/registry.db'), true);
  assert.equal(ignored('/srv/repo/state/registry.db.tmp-42'), true);
  assert.equal(ignored('/srv/repo/.git/index'), true);
  assert.equal(ignored('/srv/repo/services/web.toml'), false);
  assert.equal(ignored('/srv/repo/statements.toml'), false, 'a file that only starts like it');
  assert.equal(ignored('/srv/repo/services'), false);
});

test('a relative state directory is compared as the absolute path it names', () => {
  const ignored = ignoredBySourceWatch('state');
  assert.equal(ignored(`${process.cwd()}/state/registry.db`), true);
  assert.equal(ignored(`${process.cwd()}/services/web.toml`), false);
});
