/**
 * `mcp deploy` and an agent that deploys signed commits only, on a real git server: the
 * operator's git signs (gpg.format ssh with a key made by ssh-keygen, then openpgp with gpg),
 * so deploy signs with the operator's own program, git itself verifies the pushed commit, and
 * the agent applies it; an operator whose git does not sign is refused before anything is
 * committed or pushed.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gitSource } from '../../src/adapters/git/source.js';
import { commitVerifier } from '../../src/adapters/git/verify.js';
import { openRegistry } from '../../src/adapters/sqljs/registry.js';
import { type ApiServer, startApi } from '../../src/agent/api/server.js';
import { reconcileOnce } from '../../src/agent/reconcile.js';
import type { CliContext } from '../../src/cli/context.js';
import { EXIT } from '../../src/cli/exit-codes.js';
import { main } from '../../src/cli/main.js';
import { silentLogger } from '../../src/log.js';
import { defaultOptions } from '../support/agent-harness.js';
import type { GitServer } from '../support/git-http.js';
import { MemoryRuntime } from '../support/memory-runtime.js';
import { git, opsToken, servicesRepo, writeOperatorConfig } from '../support/services-repo.js';

const NODE = `sign-${process.pid}`;
const image = (tag: string) => `registry.example:8443/app:${tag}`;
const service = (tag: string) =>
  `name = "app"\nnode = "${NODE}"\n\n[[components]]\nname = "main"\nimage = "${image(tag)}"\n`;

describe('mcp deploy signs as git would, for an agent that deploys signed commits only', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-signdeploy-'));
  const bare = join(dir, 'server', 'services.git');
  const clone = join(dir, 'clone');
  const gnupg = join(dir, 'gnupg');
  let server: GitServer;
  let api: ApiServer;
  const runtime = new MemoryRuntime();
  const env = { MCP_CONFIG: join(dir, 'mcp.toml'), GIT_CONFIG_NOSYSTEM: '1', HOME: dir, GNUPGHOME: gnupg };

  const mcp = async (...args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const ctx: CliContext = { cwd: dir, env, out: (t) => out.push(t), err: (t) => err.push(t), color: false };
    const code = await main(args, ctx);
    return { code, out: out.join('\n'), err: err.join('\n') };
  };
  const tool = (cmd: string, ...args: string[]) =>
    execFileSync(cmd, args, { cwd: dir, encoding: 'utf8', env: { ...process.env, ...env } }).trim();
  const serverHead = () => git(dir, '--git-dir', bare, 'rev-parse', 'main');

  before(async () => {
    mkdirSync(gnupg, { mode: 0o700 });
    for (const tag of ['v1', 'v2', 'v3', 'v4']) runtime.addImage(image(tag));
    ({ server } = await servicesRepo(dir, { 'services/app.toml': service('v1') }, clone));
    tool('ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', 'op', '-f', join(dir, 'op'));
    writeFileSync(join(dir, 'allowed_signers'), `op@example ${readFileSync(join(dir, 'op.pub'), 'utf8')}`);
    const store = await openRegistry();
    const deps = {
      node: NODE,
      source: gitSource({
        url: server.url('services.git'),
        branch: 'main',
        gitdir: join(dir, 'agent.git'),
        verify: {
          verifier: commitVerifier({
            mode: 'ssh',
            allowedSigners: join(dir, 'allowed_signers'),
            require: 'tip',
          }),
          since: () => store.applied()?.commit ?? undefined,
        },
      }),
      runtimes: { container: runtime },
      store,
      log: silentLogger,
    };
    api = await startApi(
      {
        node: NODE,
        source: deps.source.description,
        trust: 'signed commits only (ssh, tip)',
        store,
        runtimes: [runtime],
        filesRoot: '/nonexistent',
        trigger: () => reconcileOnce(deps, defaultOptions).then(() => {}),
        adopt: async () => [],
      },
      { listen: '127.0.0.1:0', tokens: [opsToken] },
      silentLogger,
    );
    writeOperatorConfig(dir, NODE, api.url);
  });
  after(async () => {
    await api?.close();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('an operator whose git does not sign is refused before anything is committed or pushed', async () => {
    const head = git(clone, 'rev-parse', 'HEAD');
    const pushed = serverHead();
    writeFileSync(join(clone, 'services', 'app.toml'), service('v2'));
    const r = await mcp('deploy', 'app');
    assert.equal(r.code, EXIT.usage, r.out);
    assert.match(
      r.err,
      new RegExp(`${NODE} deploys signed commits only, and your git does not sign: nothing committed`),
    );
    assert.match(r.err, /hint: git config commit\.gpgsign true/);
    assert.equal(git(clone, 'rev-parse', 'HEAD'), head, 'nothing committed');
    assert.equal(serverHead(), pushed, 'nothing pushed');
  });

  it('with gpg.format ssh, deploy signs with ssh-keygen: git verifies the commit and the agent applies it', async () => {
    git(clone, 'config', 'commit.gpgsign', 'true');
    git(clone, 'config', 'gpg.format', 'ssh');
    git(clone, 'config', 'user.signingkey', join(dir, 'op.pub'));
    const r = await mcp('deploy', 'app');
    assert.equal(r.code, EXIT.ok, `${r.out}\n${r.err}`);
    const head = git(clone, 'rev-parse', 'HEAD');
    assert.equal(serverHead(), head);
    const verified = execFileSync(
      'git',
      ['-c', `gpg.ssh.allowedSignersFile=${join(dir, 'allowed_signers')}`, 'verify-commit', head],
      { cwd: clone, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
    assert.equal(verified, '', 'git verify-commit exits 0');
    assert.match(r.out, new RegExp(`${NODE}: converged ${head.slice(0, 7)}`));
    assert.equal(runtime.list().find((i) => i.name === 'app-main')?.image, image('v2'));
  });

  it('with gpg.format openpgp, deploy signs with gpg and git verifies the signature', async () => {
    tool(
      'gpg',
      '--batch',
      '--passphrase',
      '',
      '--quick-gen-key',
      'op <op@example>',
      'ed25519',
      'sign',
      'never',
    );
    git(clone, 'config', 'gpg.format', 'openpgp');
    git(clone, 'config', '--unset', 'user.signingkey');
    writeFileSync(join(clone, 'services', 'app.toml'), service('v3'));
    const r = await mcp('deploy', 'app', '--no-wait');
    assert.equal(r.code, EXIT.ok, `${r.out}\n${r.err}`);
    const head = git(clone, 'rev-parse', 'HEAD');
    assert.equal(serverHead(), head);
    const check = execFileSync('git', ['verify-commit', '--raw', head], {
      cwd: clone,
      encoding: 'utf8',
      env: { ...process.env, GNUPGHOME: gnupg },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    assert.equal(check, '');
    const raw = git(clone, 'cat-file', 'commit', head);
    assert.match(raw, /^gpgsig -----BEGIN PGP SIGNATURE-----$/m);
  });
});
