/**
 * The directory source's watch: what it ignores (git's files, the agent's own state
 * directory), and that a live, quiet watch spares a fetch from looking at every file while a
 * reported change, the recheck period or a closed watch makes it look again.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { loadRevisionFromDir } from '../../src/adapters/dir/load.js';
import { dirSource } from '../../src/adapters/dir/source.js';
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

const dir = mkdtempSync(join(tmpdir(), 'mcp-source-watch-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const serviceFile = (name: string, image: string) =>
  writeFileSync(
    join(dir, 'services', `${name}.toml`),
    `name = "${name}"\nnode = "n1"\n[[components]]\nname = "web"\nimage = "${image}"\n`,
  );

test('a quiet watch is trusted until its recheck period; a change it reports, or its close, makes a fetch look again', async () => {
  mkdirSync(join(dir, 'services'));
  serviceFile('seen', 'registry.example/seen:1');
  serviceFile('unseen', 'registry.example/unseen:1');
  let loads = 0;
  const source = dirSource(dir, {
    fromDir: (d) => {
      loads++;
      return loadRevisionFromDir(d);
    },
  });
  const images = async () => {
    const r = await source.fetch();
    assert.ok(r.ok);
    return r.revision.services.map((s) => s.components[0].image).sort();
  };
  let recheckMs = 3_600_000;
  const reported: string[] = [];
  let onReport = () => {};
  // The watch is told to ignore one file: a change to it is one the watch missed.
  const watch = await source.watch!({
    onChange: (path) => {
      reported.push(path);
      onReport();
    },
    ignored: (path) => path.endsWith('unseen.toml'),
    get recheckMs() {
      return recheckMs;
    },
  });
  try {
    assert.deepEqual(await images(), ['registry.example/seen:1', 'registry.example/unseen:1']);
    assert.equal(loads, 1);

    serviceFile('unseen', 'registry.example/unseen:2');
    assert.deepEqual(await images(), ['registry.example/seen:1', 'registry.example/unseen:1'], 'trusted');
    assert.equal(loads, 1);

    const heard = new Promise<void>((resolve) => {
      onReport = resolve;
    });
    serviceFile('seen', 'registry.example/seen:2');
    await heard;
    assert.ok(reported.some((p) => p.endsWith('seen.toml')));
    assert.deepEqual(
      await images(),
      ['registry.example/seen:2', 'registry.example/unseen:2'],
      'looked again',
    );
    assert.equal(loads, 2);

    serviceFile('unseen', 'registry.example/unseen:33');
    recheckMs = 0;
    assert.deepEqual(
      await images(),
      ['registry.example/seen:2', 'registry.example/unseen:33'],
      'recheck due',
    );
    assert.equal(loads, 3);
  } finally {
    await watch.close();
  }
  recheckMs = 3_600_000;
  serviceFile('unseen', 'registry.example/unseen:444');
  assert.deepEqual(
    await images(),
    ['registry.example/seen:2', 'registry.example/unseen:444'],
    'no watch: looks',
  );
});
