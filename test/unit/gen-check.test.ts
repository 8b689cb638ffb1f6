/**
 * `npm run gen:check` (CI) fails when a generated reference page is stale: a copy of the
 * tree's generated files passes, and the same copy with a page edited by hand fails naming it.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const copy = mkdtempSync(join(tmpdir(), 'mcp-gen-check-'));
after(() => rmSync(copy, { recursive: true, force: true }));

const genCheck = () =>
  spawnSync(process.execPath, ['scripts/gen.mjs', '--check'], { cwd: copy, encoding: 'utf8' });

test('gen:check passes on the generated files and fails on a reference page edited by hand', () => {
  for (const dir of ['scripts', 'schema', 'src/generated', 'docs/reference'])
    cpSync(join(root, dir), join(copy, dir), { recursive: true });
  symlinkSync(realpathSync(join(root, 'node_modules')), join(copy, 'node_modules'));
  symlinkSync(join(root, 'dist'), join(copy, 'dist'));

  const fresh = genCheck();
  assert.equal(fresh.status, 0, fresh.stderr);

  appendFileSync(join(copy, 'docs/reference/agent-config.md'), '\nedited by hand\n');
  appendFileSync(join(copy, 'docs/reference/cli.md'), '\nedited by hand\n');
  const stale = genCheck();
  assert.equal(stale.status, 1);
  assert.match(stale.stderr, /docs\/reference\/agent-config\.md differs/);
  assert.match(stale.stderr, /docs\/reference\/cli\.md differs/);
});
