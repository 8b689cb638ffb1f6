/**
 * One agent per state directory, enforced by the kernel: the lock dies with its holder, a
 * pid in a file never decides anything, and two agents started together never both win.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { lockStateDir } from '../../src/agent/lock.js';

const LOCK = join(import.meta.dirname, '../../src/agent/lock.js');
const RACE_MS = 4000;

/** A process that takes the lock when it reads "go", reports "got" or "refused", and holds it until stdin ends. */
const contender = (dir: string): ChildProcess =>
  spawn(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `const { lockStateDir } = await import(${JSON.stringify(LOCK)});
       process.stdout.write('ready\\n');
       process.stdin.once('data', () => lockStateDir(${JSON.stringify(dir)}).then(
         () => process.stdout.write('got\\n'),
         (err) => process.stdout.write(err.code === 'CONFLICT' ? 'refused\\n' : 'error ' + err.message + '\\n'),
       ));
       process.stdin.on('end', () => process.exit(0));`,
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );

/** The next line the child prints. */
const line = (child: ChildProcess): Promise<string> =>
  new Promise((resolve) => {
    let text = '';
    const onData = (d: Buffer) => {
      text += d;
      if (!text.includes('\n')) return;
      child.stdout?.off('data', onData);
      resolve(text.trim());
    };
    child.stdout?.on('data', onData);
  });

const exited = (child: ChildProcess) => new Promise((r) => child.once('exit', r));

test(`two agents started together: exactly one takes the lock, every time (${RACE_MS / 1000} s loop)`, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'mcp-lock-'));
  let rounds = 0;
  try {
    const deadline = Date.now() + RACE_MS;
    while (Date.now() < deadline) {
      const pair = [contender(dir), contender(dir)];
      await Promise.all(pair.map(line));
      const answers = pair.map(line);
      for (const c of pair) c.stdin?.write('go\n');
      const results = (await Promise.all(answers)).sort();
      for (const c of pair) c.stdin?.end();
      await Promise.all(pair.map(exited));
      assert.deepEqual(results, ['got', 'refused'], `round ${rounds}`);
      rounds++;
    }
    t.diagnostic(`${rounds} rounds`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a second lock on the same directory is refused, naming the holder’s pid; released, it can be taken', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'mcp-lock-'));
  try {
    const release = await lockStateDir(dir);
    await assert.rejects(
      lockStateDir(join(dir, '.')),
      new RegExp(`another mcp-agent \\(pid ${process.pid}\\) is using`),
    );
    await release();
    await (await lockStateDir(dir))();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the lock dies with its holder: after kill -9 the next agent starts', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'mcp-lock-'));
  try {
    const holder = contender(dir);
    await line(holder);
    const got = line(holder);
    holder.stdin?.write('go\n');
    assert.equal(await got, 'got');
    await assert.rejects(lockStateDir(dir), /another mcp-agent/);
    holder.kill('SIGKILL');
    await exited(holder);
    await (await lockStateDir(dir))();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a pid of an unrelated live process in agent.lock never blocks start-up', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'mcp-lock-'));
  const sleeper = spawn('sleep', ['30']);
  try {
    await writeFile(join(dir, 'agent.lock'), `${sleeper.pid}\n`);
    await (await lockStateDir(dir))();
  } finally {
    sleeper.kill();
    await rm(dir, { recursive: true, force: true });
  }
});
