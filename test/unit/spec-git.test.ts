/**
 * Loading a revision from a git commit without checking it out, so `mcp plan` can compare
 * two commits: refs of every usual form resolve to the full commit id, the working tree is
 * ignored, and unknown revisions are NOT_FOUND.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { McpError } from '../../src/domain/errors.js';
import { type LoadResult, loadRevisionFromGit } from '../../src/spec/load.js';

const service = (name: string, tag: string) =>
  `name = "${name}"\nnode = "rift"\n[[components]]\nname = "main"\nimage = "mcr.example:8443/${name}:${tag}"\n`;

const imagesOf = (result: LoadResult): string[] => {
  assert.equal(result.ok, true, result.ok ? '' : JSON.stringify(result.errors));
  return result.ok ? result.revision.services.map((s) => s.components[0].image) : [];
};

const notFound = (message: string) => (e: unknown) =>
  e instanceof McpError && e.code === 'NOT_FOUND' && e.message === message;

describe('loadRevisionFromGit', () => {
  const repo = mkdtempSync(join(tmpdir(), 'mcp-git-'));
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example', ...args], {
      cwd: repo,
      encoding: 'utf8',
    }).trim();
  const write = (path: string, text: string) => writeFileSync(join(repo, path), text);
  let first = '';
  let second = '';
  let third = '';

  before(() => {
    git('init', '-q', '-b', 'main');
    mkdirSync(join(repo, 'services'));
    write('services/a.toml', service('a', 'v1'));
    write('README.md', 'services repository');
    git('add', '.');
    git('commit', '-q', '-m', 'first');
    git('tag', '-a', 'release-1', '-m', 'annotated');
    first = git('rev-parse', 'HEAD');
    write('services/a.toml', service('a', 'v2'));
    write('services/b.toml', service('b', 'v1'));
    git('add', '.');
    git('commit', '-q', '-m', 'second');
    second = git('rev-parse', 'HEAD');
    write('services/b.toml', service('b', 'latest'));
    git('commit', '-q', '-am', 'third: invalid');
    third = git('rev-parse', 'HEAD');
    write('services/a.toml', service('a', 'latest'));
  });

  it('loads each commit by its full id, with the commit recorded', async () => {
    const one = await loadRevisionFromGit(repo, first);
    assert.deepEqual(imagesOf(one), ['mcr.example:8443/a:v1']);
    assert.equal(one.ok && one.revision.commit, first);
    assert.deepEqual(imagesOf(await loadRevisionFromGit(repo, second)), [
      'mcr.example:8443/a:v2',
      'mcr.example:8443/b:v1',
    ]);
  });

  it('resolves a branch~N, HEAD~N, HEAD^N, a short id and an annotated tag to the commit', async () => {
    for (const [ref, commit] of [
      ['main~1', second],
      ['HEAD~1', second],
      ['HEAD^1', second],
      ['HEAD^^', first],
      ['main~2', first],
      [second.slice(0, 7), second],
      ['release-1', first],
    ]) {
      const result = await loadRevisionFromGit(repo, ref);
      assert.equal(result.ok && result.revision.commit, commit, `ref ${ref}`);
    }
  });

  it('reads the committed files, not the working tree, and names them from the repository root', async () => {
    const result = await loadRevisionFromGit(repo, third);
    assert.equal(result.ok, false);
    assert.deepEqual(result.ok ? [] : result.errors.map((e) => `${e.file}:${e.line}`), ['services/b.toml:5']);
  });

  it('reads a bare clone the same way', async () => {
    const bare = `${repo}-bare.git`;
    git('clone', '-q', '--bare', repo, bare);
    assert.deepEqual(imagesOf(await loadRevisionFromGit(bare, 'release-1')), ['mcr.example:8443/a:v1']);
  });

  it('throws NOT_FOUND for a revision that does not exist', async () => {
    await assert.rejects(
      loadRevisionFromGit(repo, 'no-such-branch'),
      notFound('unknown revision no-such-branch'),
    );
    await assert.rejects(loadRevisionFromGit(repo, 'HEAD~9'), notFound('unknown revision HEAD~9'));
  });

  it('loads a commit without the directory as zero services, with a warning', async () => {
    const result = await loadRevisionFromGit(repo, first, 'deploy');
    assert.ok(result.ok);
    assert.deepEqual(result.revision.services, []);
    assert.match(result.warnings?.[0] ?? '', /^no deploy\/ directory at [0-9a-f]{40} \([0-9a-f]{7}\)/);
  });

  it('throws NOT_FOUND for a directory that is not a repository', async () => {
    await assert.rejects(
      loadRevisionFromGit(tmpdir(), 'HEAD'),
      (e) => e instanceof McpError && e.code === 'NOT_FOUND',
    );
  });
});

describe('loadRevisionFromGit with symbolic links', () => {
  it('follows a link to a file inside the repository and reports every other link as a fault of its file', async () => {
    const repo = mkdtempSync(join(tmpdir(), 'mcp-git-links-'));
    const git = (...args: string[]) =>
      execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example', ...args], {
        cwd: repo,
        encoding: 'utf8',
      });
    git('init', '-q', '-b', 'main');
    mkdirSync(join(repo, 'services'));
    mkdirSync(join(repo, 'shared'));
    writeFileSync(join(repo, 'shared', 'dns.toml'), service('dns', 'v1'));
    symlinkSync('../shared/dns.toml', join(repo, 'services', 'dns.toml'));
    symlinkSync('/etc/passwd', join(repo, 'services', 'out.toml'));
    symlinkSync('../../x.toml', join(repo, 'services', 'up.toml'));
    symlinkSync('missing.toml', join(repo, 'services', 'gone.toml'));
    symlinkSync('../shared', join(repo, 'services', 'dir.toml'));
    git('add', '.');
    git('commit', '-q', '-m', 'links');
    const result = await loadRevisionFromGit(repo, 'HEAD');
    assert.equal(result.ok, false);
    assert.deepEqual(result.ok ? [] : result.errors.map((e) => `${e.file}: ${e.message}`), [
      'services/dir.toml: is a directory',
      'services/gone.toml: dangling symbolic link',
      'services/out.toml: symbolic link leaves the repository',
      'services/up.toml: symbolic link leaves the repository',
    ]);
  });
});
