/**
 * Who makes a commit, resolved the way git itself does, so `mcp deploy` records the operator
 * and not a made-up `mcp@host`: GIT_AUTHOR_* / GIT_COMMITTER_* first, then (unless mcp.toml
 * names one) `author.*` / `committer.*` / `user.*` of the clone's config, the global config
 * (~/.gitconfig over $XDG_CONFIG_HOME/git/config, or $GIT_CONFIG_GLOBAL) and the system
 * config (/etc/gitconfig or $GIT_CONFIG_SYSTEM, skipped with GIT_CONFIG_NOSYSTEM), then $EMAIL
 * for the address. Config files are read with isomorphic-git's own parser, their `include`
 * and `includeIf` files followed (config-include.ts).
 */
import fs from 'node:fs';
import { join } from 'node:path';
import git from 'isomorphic-git';
import { McpError } from '../../domain/errors.js';
import { configValue, type IncludeContext } from './config-include.js';

/** A name and an e-mail address, as git records them in a commit. */
export interface Identity {
  name: string;
  email: string;
}

type Role = 'author' | 'committer';
type Env = Readonly<Record<string, string | undefined>>;

/** The config files git reads, most specific first. */
const configFiles = (dir: string, env: Env): string[] => {
  const home = env.HOME;
  const xdg = env.XDG_CONFIG_HOME || (home ? join(home, '.config') : undefined);
  const global = env.GIT_CONFIG_GLOBAL
    ? [env.GIT_CONFIG_GLOBAL]
    : [...(home ? [join(home, '.gitconfig')] : []), ...(xdg ? [join(xdg, 'git', 'config')] : [])];
  const system = env.GIT_CONFIG_NOSYSTEM ? [] : [env.GIT_CONFIG_SYSTEM || '/etc/gitconfig'];
  return [join(dir, '.git', 'config'), ...global, ...system];
};

/**
 * The value of the first of `keys` set in any of `files` (most specific file first): as in
 * git, `author.name` anywhere beats `user.name` anywhere.
 */
const firstSet = async (
  files: readonly string[],
  keys: readonly string[],
  ctx: IncludeContext,
): Promise<string | undefined> => {
  for (const key of keys)
    for (const file of files) {
      const value = await configValue(file, key, ctx);
      if (value !== undefined) return value;
    }
  return undefined;
};

/** What `includeIf` conditions are matched against in the clone `dir`. */
const includeContext = async (dir: string, env: Env): Promise<IncludeContext> => {
  const gitdir = await fs.promises.realpath(join(dir, '.git')).catch(() => join(dir, '.git'));
  const branch = await git.currentBranch({ fs, dir }).catch(() => undefined);
  return { gitdir, ...(branch && { branch }), ...(env.HOME && { home: env.HOME }) };
};

const envOf = (env: Env, name: string): string | undefined => {
  const value = env[name]?.trim();
  return value ? value : undefined;
};

/** One role's identity; undefined parts are missing everywhere. */
const resolveRole = async (role: Role, dir: string, env: Env, override?: Partial<Identity>) => {
  const upper = role.toUpperCase();
  const files = configFiles(dir, env);
  const ctx = await includeContext(dir, env);
  const name =
    envOf(env, `GIT_${upper}_NAME`) ??
    override?.name ??
    (await firstSet(files, [`${role}.name`, 'user.name'], ctx));
  const email =
    envOf(env, `GIT_${upper}_EMAIL`) ??
    override?.email ??
    (await firstSet(files, [`${role}.email`, 'user.email'], ctx)) ??
    envOf(env, 'EMAIL');
  return { name, email };
};

/**
 * The author and committer of a commit in the clone `dir`. `override` (mcp.toml) stands in
 * for git's config files; the environment still wins, as it does for git. INVALID_CONFIG with
 * git's hint when no name or address is found anywhere.
 */
export const resolveIdentities = async (
  dir: string,
  env: Env,
  override?: Partial<Identity>,
): Promise<{ author: Identity; committer: Identity }> => {
  const author = await resolveRole('author', dir, env, override);
  const committer = await resolveRole('committer', dir, env, override);
  for (const [role, who] of [
    ['author', author],
    ['committer', committer],
  ] as const)
    if (!who.name || !who.email)
      throw new McpError(
        'INVALID_CONFIG',
        `no ${role} identity for the commit: git knows no user.name or user.email`,
        {
          hint:
            'git config --global user.name "Your Name"; git config --global user.email you@example.com ' +
            '(or services.author_name and services.author_email in mcp.toml)',
        },
      );
  return { author: author as Identity, committer: committer as Identity };
};

/** One key of git's config for the clone `dir` (the clone's, global, system: the first that sets it). */
export const gitConfigValue =
  (dir: string, env: Env) =>
  async (key: string): Promise<string | undefined> =>
    firstSet(configFiles(dir, env), [key], await includeContext(dir, env));
