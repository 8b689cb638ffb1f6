/**
 * Only signed commits deploy, against a real git server with commits signed by real git using
 * keys made here by `ssh-keygen` and `gpg`: a commit signed by an allowed key applies; an
 * unsigned one, one signed by an unknown key and one whose content was altered after signing
 * are each rejected with their reason, and the last good revision keeps running.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gitSource } from '../../src/adapters/git/source.js';
import { commitVerifier, type VerifyOptions } from '../../src/adapters/git/verify.js';
import { openRegistry } from '../../src/adapters/sqljs/registry.js';
import { reconcileOnce } from '../../src/agent/reconcile.js';
import { silentLogger } from '../../src/log.js';
import { defaultOptions } from '../support/agent-harness.js';
import { type GitServer, startGitServer } from '../support/git-http.js';
import { MemoryRuntime } from '../support/memory-runtime.js';

const NODE = `signed-${process.pid}`;
const service = (tag: string) =>
  `name = "app"\nnode = "${NODE}"\n[[components]]\nname = "main"\nimage = "registry.example:8443/app:${tag}"\n`;

describe('only signed commits deploy (real git server, real ssh-keygen and gpg keys)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-signed-'));
  const root = join(dir, 'server');
  const work = join(dir, 'work');
  const gnupg = join(dir, 'gnupg');
  const remote = join(root, 'services.git');
  let server: GitServer;
  let pgpAllowed = '';
  let pgpStranger = '';

  const run = (cmd: string, args: string[], cwd = work) =>
    execFileSync(cmd, args, {
      cwd,
      encoding: 'utf8',
      env: { ...process.env, GNUPGHOME: gnupg, HOME: dir, GIT_CONFIG_NOSYSTEM: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    }).trim();
  const git = (...args: string[]) =>
    run('git', ['-c', 'user.name=Op', '-c', 'user.email=op@example', ...args]);

  /** Commits a new tag of the service, signed as `sign` says, pushes it, and returns the commit. */
  const commit = (tag: string, sign: string[] = []): string => {
    writeFileSync(join(work, 'services/app.toml'), service(tag));
    git('add', 'services/app.toml');
    git(...sign, 'commit', '-q', ...(sign.length ? ['-S'] : []), '-m', `app ${tag}`);
    git('push', '-q', remote, 'HEAD:main');
    return git('rev-parse', 'HEAD');
  };
  const sshSigned = (key: string) => ['-c', 'gpg.format=ssh', '-c', `user.signingkey=${key}`];
  const pgpSigned = (fingerprint: string) => [
    '-c',
    'gpg.format=openpgp',
    '-c',
    `user.signingkey=${fingerprint}`,
  ];

  /** A node following the server with this verification, its pass, and what it runs. */
  const node = async (verify: VerifyOptions) => {
    const runtime = new MemoryRuntime();
    for (const tag of ['v1', 'v2', 'v3', 'v4', 'v5', 'v6', 'v7', 'v8'])
      runtime.addImage(`registry.example:8443/app:${tag}`);
    const store = await openRegistry();
    const deps = {
      node: NODE,
      source: gitSource({
        url: server.url('services.git'),
        branch: 'main',
        gitdir: join(dir, `clone-${Math.random().toString(36).slice(2)}.git`),
        verify: { verifier: commitVerifier(verify), since: () => store.applied()?.commit ?? undefined },
      }),
      runtimes: { container: runtime },
      store,
      log: silentLogger,
      lastOutcome: new Map<string, string>(),
    };
    return {
      pass: () => reconcileOnce(deps, defaultOptions),
      image: () => runtime.list().map((i) => i.image.split(':').at(-1)),
      store,
    };
  };

  before(async () => {
    mkdirSync(join(work, 'services'), { recursive: true });
    mkdirSync(gnupg, { mode: 0o700 });
    execFileSync('git', ['init', '-q', '--bare', '-b', 'main', remote]);
    git('init', '-q', '-b', 'main');
    for (const name of ['allowed', 'stranger'])
      run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', join(dir, name)], dir);
    writeFileSync(
      join(dir, 'allowed_signers'),
      `# the operators\nop@example namespaces="git" ${readFileSync(join(dir, 'allowed.pub'), 'utf8')}`,
    );
    for (const who of ['Op <op@example>', 'Stranger <stranger@example>'])
      run('gpg', ['--batch', '--passphrase', '', '--quick-gen-key', who, 'ed25519', 'sign', 'never'], dir);
    const fingerprints = run('gpg', ['--batch', '--with-colons', '--list-keys'], dir)
      .split('\n')
      .filter((l) => l.startsWith('fpr:'))
      .map((l) => l.split(':')[9]!);
    [pgpAllowed, pgpStranger] = fingerprints;
    writeFileSync(join(dir, 'keyring.asc'), run('gpg', ['--batch', '--armor', '--export', pgpAllowed], dir));
    server = await startGitServer(root);
  });
  after(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const ssh: VerifyOptions = { mode: 'ssh', allowedSigners: '', require: 'tip' };
  before(() => {
    ssh.allowedSigners = join(dir, 'allowed_signers');
  });

  it('ssh: a commit signed by an allowed key applies; unsigned, unknown key and altered content are rejected, the last good keeps running', async () => {
    const n = await node(ssh);
    const good = commit('v1', sshSigned(join(dir, 'allowed')));
    const first = await n.pass();
    assert.equal(first.status.result, 'converged', JSON.stringify(first.status.errors));
    assert.equal(first.status.revision, good);
    assert.deepEqual(n.image(), ['v1']);

    const rejected = async (commitId: string, reason: RegExp) => {
      const r = await n.pass();
      assert.equal(r.status.errors[0]?.code, 'UNVERIFIED', JSON.stringify(r.status.errors));
      assert.match(r.status.errors[0]!.message, new RegExp(`^commit ${commitId.slice(0, 12)}: `));
      assert.match(r.status.errors[0]!.message, reason);
      assert.equal(n.store.seen()?.commit, commitId);
      assert.equal(n.store.seen()?.fate, 'rejected');
      assert.deepEqual(n.image(), ['v1'], 'the last good keeps running');
      assert.equal(n.store.applied()?.commit, good);
      await n.pass();
      const events = n.store.events(100).filter((e) => e.kind === 'rejected' && e.data?.commit === commitId);
      assert.equal(events.length, 1, 'one event per rejected commit, however many passes see it');
      assert.match(
        events[0]!.message,
        new RegExp(`^revision ${commitId.slice(0, 7)} rejected: commit ${commitId.slice(0, 12)}: `),
      );
      assert.match(events[0]!.message, reason);
    };

    await rejected(commit('v2'), /: not signed$/);
    const fingerprint = run('ssh-keygen', ['-lf', join(dir, 'stranger.pub')], dir).split(' ')[1]!;
    await rejected(
      commit('v3', sshSigned(join(dir, 'stranger'))),
      new RegExp(`signed by ${fingerprint.replace(/[+/]/g, '\\$&')}: not an allowed signer$`),
    );

    // A signed commit whose content is changed afterwards (here its tree: another image tag),
    // with the signature header kept: the signature no longer covers what would deploy.
    commit('v4', sshSigned(join(dir, 'allowed')));
    writeFileSync(join(work, 'services/app.toml'), service('v5'));
    git('add', 'services/app.toml');
    const tree = git('write-tree');
    const raw = git('cat-file', 'commit', 'HEAD').replace(/^tree [0-9a-f]{40}$/m, `tree ${tree}`);
    writeFileSync(join(dir, 'altered'), `${raw}\n`);
    const altered = git('hash-object', '-t', 'commit', '-w', join(dir, 'altered'));
    git('push', '-q', '--force', remote, `${altered}:refs/heads/main`);
    await rejected(altered, /signed by op@example \(SHA256:[^)]+\): the signature does not match the commit/);
    git('reset', '-q', '--hard', altered);

    const fixed = commit('v6', sshSigned(join(dir, 'allowed')));
    const back = await n.pass();
    assert.equal(back.status.revision, fixed);
    assert.deepEqual(n.image(), ['v6']);
  });

  it('openpgp: signed by a key in the keyring applies; a key not in it and unsigned are rejected', async () => {
    const n = await node({ mode: 'openpgp', keyring: join(dir, 'keyring.asc'), require: 'tip' });
    const good = commit('v7', pgpSigned(pgpAllowed));
    const first = await n.pass();
    assert.equal(first.status.revision, good, JSON.stringify(first.status.errors));
    assert.deepEqual(n.image(), ['v7']);

    const stranger = commit('v8', pgpSigned(pgpStranger));
    const r = await n.pass();
    assert.equal(r.status.errors[0]?.code, 'UNVERIFIED');
    assert.match(
      r.status.errors[0]!.message,
      new RegExp(
        `^commit ${stranger.slice(0, 12)}: signed by ${pgpStranger.slice(-16)}: not in the keyring$`,
      ),
    );
    assert.deepEqual(n.image(), ['v7']);

    const unsigned = commit('v2');
    const u = await n.pass();
    assert.match(u.status.errors[0]!.message, new RegExp(`^commit ${unsigned.slice(0, 12)}: not signed$`));
    assert.deepEqual(n.image(), ['v7']);
  });

  it('require = "all": an unsigned commit under a signed tip is rejected by name; "tip" lets it through', async () => {
    const key = sshSigned(join(dir, 'allowed'));
    const all = await node({ ...ssh, require: 'all' });
    const tip = await node(ssh);
    const base = commit('v1', key);
    assert.equal((await all.pass()).status.revision, base);
    assert.equal((await tip.pass()).status.revision, base);

    const sneaked = commit('v2');
    const head = commit('v3', key);
    const r = await all.pass();
    assert.equal(r.status.errors[0]?.code, 'UNVERIFIED');
    assert.match(r.status.errors[0]!.message, new RegExp(`^commit ${sneaked.slice(0, 12)}: not signed$`));
    assert.deepEqual(all.image(), ['v1']);
    assert.equal((await tip.pass()).status.revision, head);
    assert.deepEqual(tip.image(), ['v3']);
  });

  it('a key added to the allowed signers lets the same commit through on the next pass', async () => {
    const signers = join(dir, 'late_signers');
    writeFileSync(signers, `op@example ${readFileSync(join(dir, 'allowed.pub'), 'utf8')}`);
    const n = await node({ ...ssh, allowedSigners: signers });
    const late = commit('v4', sshSigned(join(dir, 'stranger')));
    assert.equal((await n.pass()).status.errors[0]?.code, 'UNVERIFIED');
    writeFileSync(signers, `stranger@example ${readFileSync(join(dir, 'stranger.pub'), 'utf8')}`, {
      flag: 'a',
    });
    const r = await n.pass();
    assert.equal(r.status.revision, late, JSON.stringify(r.status.errors));
    assert.deepEqual(n.image(), ['v4']);
  });
});
