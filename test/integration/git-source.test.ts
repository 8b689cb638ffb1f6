/**
 * The agent's git source against a real git server (`git http-backend` over HTTP): it clones,
 * follows new commits and force pushes, reuses a parsed revision while the branch stands
 * still, and turns every way of not getting the repository (refused, 503, no answer, 401,
 * no such branch) into SOURCE_UNAVAILABLE, so a pass keeps the last good revision running.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gitSource } from '../../src/adapters/git/source.js';
import { MemoryRuntime } from '../../src/adapters/memory/runtime.js';
import { openRegistry } from '../../src/adapters/sqljs/registry.js';
import { reconcileOnce } from '../../src/agent/reconcile.js';
import { McpError } from '../../src/domain/errors.js';
import { silentLogger } from '../../src/log.js';
import type { FetchResult } from '../../src/ports/revision-source.js';
import { defaultOptions } from '../support/agent-harness.js';
import { type GitServer, startGitServer } from '../support/git-http.js';
import { closedPort } from '../support/net.js';

const service = (name: string, tag: string) =>
  `name = "${name}"\nnode = "rift"\n[[components]]\nname = "main"\nimage = "registry.example:8443/${name}:${tag}"\n`;

const unavailable = (pattern: RegExp) => (err: unknown) => {
  assert.ok(err instanceof McpError, String(err));
  assert.equal(err.code, 'SOURCE_UNAVAILABLE');
  assert.match(err.message, pattern);
  return true;
};

const images = (r: FetchResult): string[] => {
  assert.ok(r.ok, r.ok ? '' : JSON.stringify(r.errors));
  return r.revision.services.map((s) => s.components[0].image);
};

describe('git source over HTTP', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-gitsrc-'));
  const root = join(dir, 'server');
  const work = join(dir, 'work');
  let server: GitServer;
  let n = 0;
  /** A fresh clone directory for each source under test. */
  const gitdir = () => join(dir, `clone-${++n}.git`);
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example', ...args], {
      cwd: work,
      encoding: 'utf8',
    }).trim();
  /** Commits `files` (path -> text, null deletes) and pushes main to the served repository. */
  const commit = (files: Record<string, string | null>, ...pushFlags: string[]): string => {
    for (const [path, text] of Object.entries(files)) {
      if (text === null) git('rm', '-q', path);
      else {
        mkdirSync(dirname(join(work, path)), { recursive: true });
        writeFileSync(join(work, path), text);
        git('add', path);
      }
    }
    git('commit', '-q', '-m', 'change');
    git('push', '-q', ...pushFlags, join(root, 'services.git'), 'HEAD:main');
    return git('rev-parse', 'HEAD');
  };

  before(async () => {
    mkdirSync(join(work, 'services'), { recursive: true });
    execFileSync('git', ['init', '-q', '--bare', '-b', 'main', join(root, 'services.git')]);
    git('init', '-q', '-b', 'main');
    commit({ 'services/dns.toml': service('dns', 'v1'), 'services/wiki.toml': service('wiki', 'v1') });
    server = await startGitServer(root);
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('clones on the first fetch, follows a new commit, and reuses the revision while the branch stands still', async () => {
    const source = gitSource({ url: server.url('services.git'), branch: 'main', gitdir: gitdir() });
    const first = await source.fetch();
    assert.deepEqual(images(first), ['registry.example:8443/dns:v1', 'registry.example:8443/wiki:v1']);
    assert.equal(first.ok && first.revision.commit, git('rev-parse', 'HEAD'));
    assert.equal(await source.fetch(), first, 'same commit: the parsed revision is reused');

    const head = commit({ 'services/wiki.toml': service('wiki', 'v2') });
    const second = await source.fetch();
    assert.deepEqual(images(second), ['registry.example:8443/dns:v1', 'registry.example:8443/wiki:v2']);
    assert.equal(second.ok && second.revision.commit, head);
  });

  it('follows a force push that rewrote the branch', async () => {
    const source = gitSource({ url: server.url('services.git'), branch: 'main', gitdir: gitdir() });
    await source.fetch();
    git('reset', '-q', '--hard', 'HEAD~1');
    const rewritten = commit({ 'services/dns.toml': service('dns', 'v3') }, '--force');
    const after = await source.fetch();
    assert.equal(after.ok && after.revision.commit, rewritten);
    assert.deepEqual(images(after), ['registry.example:8443/dns:v3', 'registry.example:8443/wiki:v1']);
  });

  it('reports an invalid commit with its located errors; a commit without services/ has zero services', async () => {
    const source = gitSource({ url: server.url('services.git'), branch: 'main', gitdir: gitdir() });
    const bad = commit({ 'services/wiki.toml': service('wiki', 'v1').replace('node =', 'nod =') });
    const invalid = await source.fetch();
    assert.equal(invalid.ok, false);
    assert.equal(!invalid.ok && invalid.commit, bad);
    assert.ok(!invalid.ok && invalid.errors.some((e) => e.file === 'services/wiki.toml' && e.line === 2));

    const empty = commit({ 'services/wiki.toml': null, 'services/dns.toml': null });
    const none = await source.fetch();
    assert.ok(none.ok, JSON.stringify(none));
    assert.equal(none.revision.commit, empty);
    assert.deepEqual(none.revision.services, []);
    assert.match(
      none.warnings?.[0] ?? '',
      /^no services\/ directory at [0-9a-f]{40} \([0-9a-f]{7}\): the revision has zero services$/,
    );
    commit({ 'services/dns.toml': service('dns', 'v1'), 'services/wiki.toml': service('wiki', 'v1') });
  });

  it('turns a refused connection, a 503, a missing branch and a silent server into SOURCE_UNAVAILABLE', async () => {
    const closed = await closedPort();
    const refused = gitSource({
      url: `http://127.0.0.1:${closed}/services.git`,
      branch: 'main',
      gitdir: gitdir(),
    });
    await assert.rejects(
      refused.fetch(),
      unavailable(
        new RegExp(`^cannot fetch http://127\\.0\\.0\\.1:${closed}/services\\.git#main: ECONNREFUSED$`),
      ),
    );

    const noBranch = gitSource({ url: server.url('services.git'), branch: 'release', gitdir: gitdir() });
    await assert.rejects(noBranch.fetch(), unavailable(/branch not found on the remote$/));

    const source = gitSource({
      url: server.url('services.git'),
      branch: 'main',
      gitdir: gitdir(),
      timeoutMs: 3000,
    });
    await source.fetch();
    try {
      server.behaviour = 'unavailable';
      await assert.rejects(source.fetch(), unavailable(/HTTP 503$/));
      server.behaviour = 'hang';
      const started = Date.now();
      await assert.rejects(source.fetch(), unavailable(/no answer within 3 s$/));
      assert.ok(Date.now() - started < 6000, `gave up after ${Date.now() - started} ms`);
    } finally {
      server.behaviour = 'serve';
    }
    assert.ok((await source.fetch()).ok, 'back once the server answers again');
  });

  it('authenticates with a token read from a file, and says so when the token is refused', async () => {
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, 'wrong\n');
    server.token = 's3cret';
    try {
      const source = gitSource({
        url: server.url('services.git').replace('//', '//agent:leaked@'),
        branch: 'main',
        gitdir: gitdir(),
        username: 'agent',
        tokenFile,
      });
      assert.equal(source.description, `${server.url('services.git')}#main`, 'credentials never shown');
      await assert.rejects(source.fetch(), unavailable(/authentication failed \(HTTP 401\)$/));
      writeFileSync(tokenFile, 's3cret\n');
      assert.ok((await source.fetch()).ok, 'a rotated token is read on the next fetch');
    } finally {
      server.token = undefined;
    }
  });

  it('a pass whose git server is down keeps the last good revision running and removes nothing', async () => {
    const runtime = new MemoryRuntime();
    runtime.addImage('registry.example:8443/dns:v1');
    runtime.addImage('registry.example:8443/wiki:v1');
    const deps = {
      node: 'rift',
      source: gitSource({ url: server.url('services.git'), branch: 'main', gitdir: gitdir() }),
      runtimes: { container: runtime },
      store: await openRegistry(),
      log: silentLogger,
      lastOutcome: new Map<string, string>(),
    };
    const first = await reconcileOnce(deps, defaultOptions);
    assert.equal(first.status.result, 'converged');
    assert.equal(first.status.revision, git('rev-parse', 'HEAD'));
    server.behaviour = 'unavailable';
    try {
      runtime.removeByHand('dns-main');
      const down = await reconcileOnce(deps, defaultOptions);
      assert.equal(down.status.result, 'degraded');
      assert.equal(down.status.errors[0].code, 'SOURCE_UNAVAILABLE');
      assert.deepEqual(
        runtime
          .list()
          .map((i) => `${i.name} ${i.state}`)
          .sort(),
        ['dns-main running', 'wiki-main running'],
        'healed from the last good revision',
      );
    } finally {
      server.behaviour = 'serve';
    }
  });
});
