/**
 * One rule for a revision without service files, everywhere: the agent's loader, `mcp
 * validate` and `mcp plan` all take it as valid with zero services (the agent's mass-removal
 * guard then decides); a revision without services/ at all is the same, with a warning.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadRevisionFromDir } from '../../src/adapters/dir/load.js';
import { loadRevisionFromGit } from '../../src/adapters/git/load.js';
import { run as plan } from '../../src/cli/commands/plan.js';
import { run as validate } from '../../src/cli/commands/validate.js';
import type { CliContext } from '../../src/cli/context.js';
import { EXIT } from '../../src/cli/exit-codes.js';

const serviceFile = (name: string) =>
  `name = "${name}"\nnode = "rift"\n[[components]]\nname = "main"\nimage = "mcr.example:8443/${name}:v1"\n`;

describe('a revision without service files', () => {
  const repo = mkdtempSync(join(tmpdir(), 'mcp-empty-'));
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example', ...args], {
      cwd: repo,
      encoding: 'utf8',
    }).trim();
  const cli = async (command: typeof plan, args: string[], cwd = repo) => {
    const out: string[] = [];
    const err: string[] = [];
    const ctx: CliContext = { cwd, env: {}, out: (t) => out.push(t), err: (t) => err.push(t), color: false };
    const code = await command(args, ctx);
    return { code, out: out.join('\n'), err: err.join('\n') };
  };

  before(() => {
    git('init', '-q', '-b', 'main');
    mkdirSync(join(repo, 'services'));
    writeFileSync(join(repo, 'services', 'dns.toml'), serviceFile('dns'));
    writeFileSync(join(repo, 'services', 'wiki.toml'), serviceFile('wiki'));
    writeFileSync(join(repo, 'services', 'README.md'), 'one file per service\n');
    git('add', '.');
    git('commit', '-q', '-m', 'two services');
    git('tag', 'base');
    git('rm', '-q', 'services/dns.toml', 'services/wiki.toml');
    git('commit', '-q', '-m', 'no service files, README kept');
    git('tag', 'readme-only');
    git('rm', '-q', 'services/README.md');
    git('commit', '-q', '-m', 'no services/ directory');
    git('tag', 'gone');
  });
  after(() => rmSync(repo, { recursive: true, force: true }));

  it('loads from git as valid with zero services; without services/ with a warning', async () => {
    const readme = await loadRevisionFromGit(repo, 'readme-only');
    assert.ok(readme.ok);
    assert.deepEqual([readme.revision.services, readme.warnings], [[], undefined]);
    const gone = await loadRevisionFromGit(repo, 'gone');
    assert.ok(gone.ok);
    assert.deepEqual(gone.revision.services, []);
    assert.match(
      gone.warnings?.[0] ?? '',
      /^no services\/ directory at gone \([0-9a-f]{7}\): the revision has zero services$/,
    );
  });

  it('mcp plan shows the removals and the mass-removal guard, exit 2, for both', async () => {
    for (const head of ['readme-only', 'gone']) {
      const r = await cli(plan, ['--base', 'base', '--head', head]);
      assert.equal(r.code, EXIT.changes, r.err);
      assert.match(r.out, /^rift: 2 removed$/m);
      assert.match(r.out, /explicit override/);
    }
    assert.match(
      (await cli(plan, ['--base', 'base', '--head', 'gone'])).err,
      /^warning: no services\/ directory/,
    );
  });

  it('mcp validate: zero services, valid; a directory without services/ or service files warns', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'mcp-empty-dir-'));
    try {
      mkdirSync(join(empty, 'services'));
      const withDir = await cli(validate, [empty]);
      assert.deepEqual(
        [withDir.code, withDir.out, withDir.err],
        [
          EXIT.ok,
          "valid: 0 services, 0 components\nchecked against the default admission policy; --policy FILE for a node's own",
          '',
        ],
      );
      assert.equal((await loadRevisionFromDir(empty)).ok, true);
      rmSync(join(empty, 'services'), { recursive: true });
      const without = await cli(validate, [empty]);
      assert.equal(without.code, EXIT.ok);
      assert.match(without.out, /^valid: 0 services, 0 components\n/);
      assert.match(without.err, /^warning: no services\/ directory in .*: the revision has zero services$/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
