/**
 * The author and committer of `mcp deploy` / `stop` / `start` commits, resolved as git does:
 * environment, the clone's config, ~/.gitconfig over $XDG_CONFIG_HOME/git/config, the system
 * config; an mcp.toml override in place of the config files; a refusal with git's hint when
 * nothing names anyone. Every case runs with a HOME of the test's own and is checked against
 * what git itself resolves (`git var GIT_AUTHOR_IDENT`) in the same environment.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { resolveIdentities } from '../../src/adapters/git/identity.js';
import { McpError } from '../../src/domain/errors.js';

describe('commit identity', () => {
  const root = mkdtempSync(join(tmpdir(), 'mcp-identity-'));
  const home = join(root, 'home');
  const xdg = join(root, 'xdg');
  const clone = join(root, 'clone');
  const system = join(root, 'gitconfig-system');
  const base = { HOME: home, XDG_CONFIG_HOME: xdg, GIT_CONFIG_NOSYSTEM: '1', PATH: process.env.PATH };

  const userConfig = (path: string, name: string, email: string) => {
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, `[user]\n\tname = ${name}\n\temail = ${email}\n`);
  };
  const reset = () => {
    for (const p of [join(home, '.gitconfig'), join(xdg, 'git', 'config'), system])
      rmSync(p, { force: true });
    writeFileSync(join(clone, '.git', 'config'), '[core]\n\trepositoryformatversion = 0\n\tbare = false\n');
  };
  const gitSays = (env: Record<string, string | undefined>, role = 'AUTHOR'): string =>
    execFileSync('git', ['var', `GIT_${role}_IDENT`], { cwd: clone, env, encoding: 'utf8' }).replace(
      />.*$/s,
      '>',
    );
  const show = (who: { name: string; email: string }) => `${who.name} <${who.email}>`;

  before(() => {
    mkdirSync(home, { recursive: true });
    execFileSync('git', ['init', '-q', clone]);
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('takes ~/.gitconfig of the HOME it is given', async () => {
    userConfig(join(home, '.gitconfig'), 'Ada Home', 'ada@home.example');
    const { author, committer } = await resolveIdentities(clone, base);
    assert.equal(show(author), 'Ada Home <ada@home.example>');
    assert.equal(show(committer), 'Ada Home <ada@home.example>');
    assert.equal(show(author), gitSays(base));
  });

  it('takes $XDG_CONFIG_HOME/git/config, and ~/.gitconfig over it', async () => {
    reset();
    userConfig(join(xdg, 'git', 'config'), 'Xena Xdg', 'xena@xdg.example');
    assert.equal(show((await resolveIdentities(clone, base)).author), 'Xena Xdg <xena@xdg.example>');
    assert.equal(show((await resolveIdentities(clone, base)).author), gitSays(base));
    userConfig(join(home, '.gitconfig'), 'Ada Home', 'ada@home.example');
    assert.equal(show((await resolveIdentities(clone, base)).author), gitSays(base));
  });

  it('takes the clone’s config over the global one, and the system config last', async () => {
    reset();
    const withSystem = { ...base, GIT_CONFIG_NOSYSTEM: undefined, GIT_CONFIG_SYSTEM: system };
    userConfig(system, 'Sys Admin', 'root@system.example');
    assert.equal(
      show((await resolveIdentities(clone, withSystem)).author),
      'Sys Admin <root@system.example>',
    );
    assert.equal(show((await resolveIdentities(clone, withSystem)).author), gitSays(withSystem));
    userConfig(join(home, '.gitconfig'), 'Ada Home', 'ada@home.example');
    execFileSync('git', ['config', 'user.name', 'Clo Local'], { cwd: clone });
    const both = await resolveIdentities(clone, withSystem);
    assert.equal(show(both.author), 'Clo Local <ada@home.example>');
    assert.equal(show(both.author), gitSays(withSystem));
  });

  it('lets GIT_AUTHOR_* and GIT_COMMITTER_* win, each for its own role', async () => {
    const env = { ...base, GIT_AUTHOR_NAME: 'Env Author', GIT_COMMITTER_EMAIL: 'ci@env.example' };
    const { author, committer } = await resolveIdentities(clone, env);
    assert.equal(show(author), gitSays(env));
    assert.equal(show(committer), gitSays(env, 'COMMITTER'));
    assert.match(show(author), /^Env Author </);
    assert.match(show(committer), /<ci@env\.example>$/);
  });

  it('takes the mcp.toml override over the config files, not over the environment', async () => {
    const override = { name: 'Toml Op', email: 'op@toml.example' };
    assert.equal(show((await resolveIdentities(clone, base, override)).author), 'Toml Op <op@toml.example>');
    const env = { ...base, GIT_AUTHOR_EMAIL: 'env@example.org' };
    assert.equal(show((await resolveIdentities(clone, env, override)).author), 'Toml Op <env@example.org>');
  });

  it('follows include and includeIf (gitdir, gitdir/i, onbranch) as git does, in git’s order', async () => {
    reset();
    userConfig(join(xdg, 'git', 'config'), 'Xdg Fallback', 'xdg@example');
    const cases: [string, string, Record<string, string>][] = [
      [
        'a plain include, relative to the including file',
        '[include]\n\tpath = inc/plain\n',
        { 'inc/plain': 'In Plain' },
      ],
      ['an include under ~/', '[include]\n\tpath = ~/tilde.inc\n', { 'tilde.inc': 'In Tilde' }],
      [
        'includeIf gitdir matching the clone',
        `[includeIf "gitdir:${clone}/"]\n\tpath = work.inc\n`,
        { 'work.inc': 'In Work' },
      ],
      [
        'includeIf gitdir at any depth',
        '[includeIf "gitdir:clone/"]\n\tpath = depth.inc\n',
        { 'depth.inc': 'In Depth' },
      ],
      [
        'includeIf gitdir/i, another case',
        `[includeIf "gitdir/i:${clone.toUpperCase()}/"]\n\tpath = nocase.inc\n`,
        { 'nocase.inc': 'In Nocase' },
      ],
      [
        'includeIf gitdir not matching',
        '[includeIf "gitdir:/elsewhere/"]\n\tpath = other.inc\n',
        { 'other.inc': 'Not Me' },
      ],
      [
        'includeIf onbranch',
        '[includeIf "onbranch:ma*"]\n\tpath = branch.inc\n',
        { 'branch.inc': 'On Branch' },
      ],
      [
        'an include before the user section loses to it',
        '[include]\n\tpath = early.inc\n[user]\n\tname = Own After\n',
        { 'early.inc': 'Early Inc' },
      ],
      [
        'an include after the user section wins over it',
        '[user]\n\tname = Own Before\n[include]\n\tpath = late.inc\n',
        { 'late.inc': 'Late Inc' },
      ],
      [
        'nested includes',
        '[include]\n\tpath = outer.inc\n',
        { 'outer.inc': 'Outer', 'nested/inner.inc': 'Inner' },
      ],
    ];
    for (const [what, global, files] of cases) {
      rmSync(join(home, 'inc'), { recursive: true, force: true });
      for (const [path, name] of Object.entries(files)) {
        mkdirSync(join(home, path, '..'), { recursive: true });
        const nested = path === 'outer.inc' ? '[include]\n\tpath = nested/inner.inc\n' : '';
        writeFileSync(
          join(home, path),
          `[user]\n\tname = ${name}\n\temail = ${name.replace(' ', '.').toLowerCase()}@inc.example\n${nested}`,
        );
      }
      writeFileSync(join(home, '.gitconfig'), global);
      const ours = show((await resolveIdentities(clone, base)).author);
      assert.equal(ours, gitSays(base), what);
    }
  });

  it('refuses with git’s hint when nobody is named anywhere', async () => {
    reset();
    await assert.rejects(resolveIdentities(clone, base), (e) => {
      assert.ok(e instanceof McpError);
      assert.equal(e.code, 'INVALID_CONFIG');
      assert.match(e.message, /no author identity/);
      assert.match(String(e.data.hint), /git config --global user\.name/);
      return true;
    });
  });
});
