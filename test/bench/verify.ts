/**
 * What checking a new commit's signature costs the agent, beside git's own check in the same
 * run: a commit signed with an ed25519 SSH key (ssh-keygen) and one signed with an ed25519
 * OpenPGP key (gpg), each verified 30 times by `commitVerifier` (keys read again each time,
 * as the agent does for a new commit) and by `git verify-commit` (which runs ssh-keygen or gpg).
 * `node dist/test/bench/verify.js`.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commitVerifier, type VerifyOptions } from '../../src/adapters/git/verify.js';
import { fmtMs, median, time } from './support.js';

const runs = 30;
const dir = mkdtempSync(join(tmpdir(), 'mcp-bench-verify-'));
const gnupg = join(dir, 'gnupg');
mkdirSync(gnupg, { mode: 0o700 });
const env = { ...process.env, HOME: dir, GNUPGHOME: gnupg, GIT_CONFIG_NOSYSTEM: '1' };
const run = (cmd: string, ...args: string[]) =>
  execFileSync(cmd, args, { cwd: dir, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
const git = (...args: string[]) => run('git', '-c', 'user.name=op', '-c', 'user.email=op@example', ...args);

try {
  run('ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'op'));
  writeFileSync(join(dir, 'allowed'), `op@example ${readFileSync(join(dir, 'op.pub'), 'utf8')}`);
  run('gpg', '--batch', '--passphrase', '', '--quick-gen-key', 'op <op@example>', 'ed25519', 'sign', 'never');
  writeFileSync(join(dir, 'keyring.asc'), run('gpg', '--batch', '--armor', '--export', 'op@example'));
  git('init', '-q', '-b', 'main');
  writeFileSync(join(dir, 'a.toml'), 'x = 1\n');
  git('add', 'a.toml');
  git('-c', 'gpg.format=ssh', '-c', `user.signingkey=${join(dir, 'op')}`, 'commit', '-q', '-S', '-m', 'ssh');
  const sshCommit = git('rev-parse', 'HEAD');
  writeFileSync(join(dir, 'a.toml'), 'x = 2\n');
  git('-c', 'user.signingkey=op@example', 'commit', '-q', '-S', '-am', 'pgp');
  const pgpCommit = git('rev-parse', 'HEAD');
  const gitdir = join(dir, '.git');

  const rows: string[] = [];
  const measure = async (label: string, opts: VerifyOptions, commit: string, gitArgs: string[]) => {
    const verifier = commitVerifier(opts);
    const failure = await verifier.verify(gitdir, commit);
    if (failure) throw new Error(`${label}: ${failure.reason}`);
    const ours: number[] = [];
    const peer: number[] = [];
    for (let i = 0; i < runs; i++) {
      ours.push(await time(() => verifier.verify(gitdir, commit)));
      peer.push(await time(async () => git(...gitArgs, 'verify-commit', commit)));
    }
    const [a, b] = [median(ours), median(peer)];
    rows.push(`| ${label} | ${fmtMs(a)} | ${fmtMs(b)} | ${(a / b).toFixed(2)}x |`);
  };
  await measure(
    'ssh (ed25519)',
    { mode: 'ssh', allowedSigners: join(dir, 'allowed'), require: 'tip' },
    sshCommit,
    ['-c', `gpg.ssh.allowedSignersFile=${join(dir, 'allowed')}`],
  );
  await measure(
    'openpgp (ed25519)',
    { mode: 'openpgp', keyring: join(dir, 'keyring.asc'), require: 'tip' },
    pgpCommit,
    [],
  );
  console.log(`Verifying one new commit, median of ${runs}:\n`);
  console.log('| signature | MCP (commitVerifier) | git verify-commit | MCP / git |');
  console.log('| --- | ---: | ---: | ---: |');
  for (const row of rows) console.log(row);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
