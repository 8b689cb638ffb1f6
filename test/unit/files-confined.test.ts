/**
 * A path cannot leave the service's directory, even while something that can write into it
 * swaps a directory for a symbolic link as fast as it can; and a push keeps the mode and
 * owner of the file it replaces.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ApiServer } from '../../src/agent/api/server.js';
import { testApi } from '../support/api-fixture.js';

const RACE_MS = 5000;

/**
 * The loop of the report, `mv swap swap.real; ln -s OUTSIDE swap; rm swap; mv swap.real swap`,
 * with a link that stays inside (`ln -s swap.real swap`) between: forever.
 */
const racer = (dir: string, outside: string) =>
  spawn(
    process.execPath,
    [
      '-e',
      `const fs = require('node:fs');
       process.chdir(${JSON.stringify(dir)});
       for (;;) {
         try { fs.renameSync('swap', 'swap.real'); fs.symlinkSync(${JSON.stringify(outside)}, 'swap'); fs.unlinkSync('swap'); } catch {}
         try { fs.symlinkSync('swap.real', 'swap'); fs.unlinkSync('swap'); } catch {}
         try { fs.rmSync('swap', { recursive: true, force: true }); fs.renameSync('swap.real', 'swap'); } catch {}
       }`,
    ],
    { stdio: 'ignore' },
  );

describe('files API confinement', () => {
  const root = mkdtempSync(join(tmpdir(), 'mcp-confine-'));
  const files = join(root, 'srv');
  const outside = join(root, 'outside');
  let api: ApiServer;
  before(async () => {
    mkdirSync(join(files, 'wiki', 'swap'), { recursive: true });
    mkdirSync(outside);
    writeFileSync(join(files, 'wiki', 'swap', 'victim.txt'), 'inside');
    writeFileSync(join(outside, 'victim.txt'), 'OUTSIDE');
    ({ api } = await testApi(files));
  });
  after(async () => {
    await api.close();
    rmSync(root, { recursive: true, force: true });
  });

  const auth = { authorization: 'Bearer operate-token' };

  it(`writes and reads nothing outside while a directory is swapped for a link (${RACE_MS / 1000} s loop)`, async (t) => {
    const child = racer(join(files, 'wiki'), outside);
    let pushes = 0;
    let pulls = 0;
    let leakedReads = 0;
    let insideReads = 0;
    try {
      const deadline = Date.now() + RACE_MS;
      const worker = async (n: number) => {
        while (Date.now() < deadline) {
          const put = await fetch(`${api.url}/v1/files/wiki/swap/x${n}-${pushes}`, {
            method: 'PUT',
            body: 'pushed',
            headers: auth,
          });
          await put.arrayBuffer();
          pushes++;
          const get = await fetch(`${api.url}/v1/files/wiki/swap/victim.txt`, { headers: auth });
          const text = await get.text();
          if (text === 'OUTSIDE') leakedReads++;
          if (text === 'inside') insideReads++;
          pulls++;
        }
      };
      await Promise.all([0, 1, 2, 3].map(worker));
    } finally {
      child.kill('SIGKILL');
    }
    const written = readdirSync(outside).filter((n) => n !== 'victim.txt');
    t.diagnostic(
      `${pushes} pushes, ${pulls} pulls (${insideReads} read inside); ${written.length} written outside, ${leakedReads} read outside`,
    );
    assert.ok(pushes > 100 && pulls > 100, `the loop ran (${pushes} pushes, ${pulls} pulls)`);
    assert.deepEqual(written, [], `${written.length} files written outside in ${pushes} pushes`);
    assert.equal(leakedReads, 0, `${leakedReads} of ${pulls} pulls returned the outside file`);
    assert.ok(insideReads > 0, 'pulls of the real file (directly or through the inner link) still work');
  });

  it('keeps the mode (less set-id bits) and owner of a file it replaces, and gives a new one its directory’s owner and 0644', async () => {
    const dir = join(files, 'dns');
    mkdirSync(join(dir, 'conf'), { recursive: true });
    chownSync(join(dir, 'conf'), 1234, 1235);
    writeFileSync(join(dir, 'conf', 'secret.key'), 'old', { mode: 0o600 });
    chownSync(join(dir, 'conf', 'secret.key'), 1000, 1001);
    const push = (path: string) =>
      fetch(`${api.url}/v1/files/dns/${path}`, { method: 'PUT', body: 'new', headers: auth }).then(
        (r) => r.status,
      );
    assert.equal(await push('conf/secret.key'), 200);
    const kept = statSync(join(dir, 'conf', 'secret.key'));
    assert.deepEqual([kept.mode & 0o7777, kept.uid, kept.gid], [0o600, 1000, 1001]);
    writeFileSync(join(dir, 'conf', 'tool'), 'old', { mode: 0o755 });
    chmodSync(join(dir, 'conf', 'tool'), 0o4755);
    assert.equal(await push('conf/tool'), 200);
    assert.equal(
      statSync(join(dir, 'conf', 'tool')).mode & 0o7777,
      0o755,
      'new content never inherits set-uid',
    );
    assert.equal(await push('conf/new.toml'), 200);
    const made = statSync(join(dir, 'conf', 'new.toml'));
    assert.deepEqual([made.mode & 0o7777, made.uid, made.gid], [0o644, 1234, 1235]);
    assert.equal(await push('conf/sub/deeper.toml'), 200);
    const sub = statSync(join(dir, 'conf', 'sub'));
    assert.deepEqual([sub.mode & 0o7777, sub.uid, sub.gid], [0o755, 1234, 1235]);
  });
});
