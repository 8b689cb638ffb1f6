import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { lockStateDir } from '../../src/agent/lock.js';

test('a second agent on the same state directory is refused while the first holds it', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'mcp-lock-'));
  const sleeper = spawn('sleep', ['30']);
  try {
    await writeFile(join(dir, 'agent.lock'), `${sleeper.pid}\n`);
    await assert.rejects(lockStateDir(dir), /another mcp-agent \(pid \d+\) is using/);
  } finally {
    sleeper.kill();
    await rm(dir, { recursive: true, force: true });
  }
});

test('a lock left by a dead process is taken over, and releasing removes it', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'mcp-lock-'));
  try {
    const dead = spawn('true');
    await new Promise((r) => dead.on('exit', r));
    await writeFile(join(dir, 'agent.lock'), `${dead.pid}\n`);
    const release = await lockStateDir(dir);
    assert.equal((await readFile(join(dir, 'agent.lock'), 'utf8')).trim(), String(process.pid));
    await release();
    await assert.rejects(readFile(join(dir, 'agent.lock')), /ENOENT/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
