/**
 * The agent's loader thread: it gives the same result as loading in process, admission
 * included, and a load that exhausts its heap fails as that revision's error while the next
 * load gets a fresh thread. A small directory loads in process, a larger one in the thread.
 * (`inProcessBytes: 0` sends even these tests' small directories to the thread.)
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { inProcessLoader, workerLoader } from '../../src/agent/revision-loader.js';
import { formatSpecError } from '../../src/domain/spec-error.js';
import { defaultAdmissionPolicy } from '../../src/policy/defaults.js';

const policy = defaultAdmissionPolicy();

const dir = mkdtempSync(join(tmpdir(), 'i8a-loader-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const repo = (name: string, files: Record<string, string>): string => {
  mkdirSync(join(dir, name, 'services'), { recursive: true });
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, name, 'services', file), text);
  return join(dir, name);
};

const svc = (name: string, extra = '') =>
  `name = "${name}"\nnode = "rift"\n[[components]]\nname = "c"\nimage = "localhost/app:v1"\n${extra}`;

describe('the loader thread', () => {
  it('loads and admits as the in-process loader does', async (t) => {
    const loader = workerLoader({ policy, node: 'rift', protectedPaths: [], inProcessBytes: 0 });
    t.after(() => loader.close());
    const good = repo('good', { 'a.toml': svc('a') });
    assert.deepEqual(await loader.fromDir(good), await inProcessLoader().fromDir(good));
    const bad = repo('bad', { 'b.toml': svc('b', 'network = "host"\n') });
    const result = await loader.fromDir(bad);
    assert.equal(result.ok, false);
    assert.match(
      result.ok ? '' : formatSpecError(result.errors[0]),
      /^services\/b\.toml:6:1 components\[0\]\.network: network 'host' is not allowed on this node .*\(policy: allowed_networks\)/,
    );
  });

  it('fails a load that exhausts its heap as that revision, and loads the next one in a new thread', async (t) => {
    // 12 MB: eight 200 KB files need far more (one alone now fits); a fresh thread's small load
    // needs about 8 (at 8 it failed now and then)
    const loader = workerLoader({
      policy,
      node: 'rift',
      protectedPaths: [],
      heapLimitMb: 12,
      inProcessBytes: 0,
    });
    t.after(() => loader.close());
    const big = (name: string) => {
      let text = svc(name);
      for (let i = 0; text.length < 200 * 1024; i++)
        text += `\n[[components]]\nname = "c${i}"\nimage = "localhost/app:v1"\n`;
      return text;
    };
    const files = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`big${i}.toml`, big(`big${i}`)]));
    const result = await loader.fromDir(repo('huge', files));
    assert.deepEqual(result.ok ? [] : result.errors.map((e) => e.file), ['services']);
    assert.match(result.ok ? '' : result.errors[0].message, /^the revision could not be loaded: /);
    assert.equal((await loader.fromDir(repo('small', { 'a.toml': svc('a') }))).ok, true);
  });

  it('ends the thread once no load came for idleMs, and starts a new one for the next load', async (t) => {
    const loader = workerLoader({ policy, node: 'rift', protectedPaths: [], idleMs: 50, inProcessBytes: 0 });
    t.after(() => loader.close());
    const good = repo('idle', { 'a.toml': svc('a') });
    assert.equal(loader.live(), false);
    assert.equal((await loader.fromDir(good)).ok, true);
    assert.equal(loader.live(), true);
    while (loader.live()) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal((await loader.fromDir(good)).ok, true);
    assert.equal(loader.live(), true);
  });

  it('loads a directory of at most inProcessBytes in process, admitted the same, and readies and uses the thread for a larger one', async (t) => {
    const good = repo('sized', { 'a.toml': svc('a'), 'b.toml': svc('b') });
    const bytes = 2 * Buffer.byteLength(svc('a'));
    const loader = workerLoader({ policy, node: 'rift', protectedPaths: [], inProcessBytes: bytes });
    t.after(() => loader.close());
    assert.deepEqual(await loader.fromDir(good), await inProcessLoader().fromDir(good));
    assert.equal(loader.live(), false, 'no thread for a directory of inProcessBytes');
    const bad = repo('sized-bad', { 'b.toml': svc('b', 'network = "host"\n') });
    const refused = await loader.fromDir(bad);
    assert.match(refused.ok ? '' : refused.errors[0].message, /network 'host' is not allowed on this node/);
    assert.equal(loader.live(), false);
    loader.warm(good);
    assert.equal(loader.live(), false, 'no thread readied for a load that will not use it');
    writeFileSync(join(good, 'services', 'c.toml'), svc('c'));
    loader.warm(good);
    assert.equal(loader.live(), true, 'readied for the directory over inProcessBytes');
    assert.equal((await loader.fromDir(good)).ok, true);
    assert.equal(loader.live(), true);
  });

  it('warms a thread ahead of the first load, which then uses it; a warmed thread no load comes for ends', async (t) => {
    const loader = workerLoader({ policy, node: 'rift', protectedPaths: [], idleMs: 50, inProcessBytes: 0 });
    t.after(() => loader.close());
    loader.warm();
    assert.equal(loader.live(), true, 'started by warm, before any load');
    while (loader.live()) await new Promise((resolve) => setTimeout(resolve, 10));
    loader.warm();
    assert.equal((await loader.fromDir(repo('warm', { 'a.toml': svc('a') }))).ok, true);
    assert.equal(loader.live(), true);
  });
});
