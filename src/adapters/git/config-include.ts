/**
 * One key of one git config file, with its `[include]` and `[includeIf "..."]` files followed
 * as git follows them: an included file's values stand where its include stands, so they win
 * over the including file's values of a section placed before the include and lose to one
 * placed after it. Paths are relative to the including file, `~/` is the home directory;
 * conditions `gitdir:`, `gitdir/i:` and `onbranch:` are matched with git's wildcards (a pattern
 * not starting with `/`, `~/` or `./` matches at any depth, one ending in `/` matches all
 * below). `hasconfig:` conditions are not followed. Values are read with isomorphic-git's
 * parser; only the order of section headers is read here.
 */
import fs from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join } from 'node:path';
import git from 'isomorphic-git';
import picomatch from 'picomatch';

/** What the conditions of `includeIf` are matched against. */
export interface IncludeContext {
  /** The repository's .git directory, real path. */
  gitdir: string;
  /** The checked-out branch's short name, when on one. */
  branch?: string;
  home?: string;
}

/** git stops at this depth of nested includes too. */
const MAX_DEPTH = 10;

/** The fs isomorphic-git reads `<gitdir>/config` through, with that one path pointed at `file`. */
const oneFile = (file: string, gitdir: string) => ({
  promises: {
    ...fs.promises,
    readFile: (path: string, opts?: unknown) =>
      fs.promises.readFile(path === join(gitdir, 'config') ? file : path, opts as undefined),
  },
});

const FAKE_GITDIR = '/mcp-config';

/** Every value of `path` (e.g. `include.path`) in `file`, in order, by isomorphic-git's parser. */
const valuesOf = async (file: string, path: string): Promise<string[]> => {
  try {
    const values = await git.getConfigAll({ fs: oneFile(file, FAKE_GITDIR), gitdir: FAKE_GITDIR, path });
    return values.filter((v): v is string => typeof v === 'string');
  } catch {
    return [];
  }
};

/** Section headers of a config file in order: `[user]` is `user`, `[includeIf "x"]` is `includeif` and `x`. */
const headers = (text: string): { section: string; sub?: string }[] =>
  [...text.matchAll(/^\s*\[\s*([A-Za-z0-9.-]+)(?:\s+"((?:[^"\\]|\\.)*)")?\s*\]/gm)].map((m) => ({
    section: m[1]!.toLowerCase(),
    ...(m[2] !== undefined && { sub: m[2].replace(/\\(.)/g, '$1') }),
  }));

/** The value of `key` in `file` and what it includes; undefined when set nowhere. */
export const configValue = async (
  file: string,
  key: string,
  ctx: IncludeContext,
  depth = 0,
): Promise<string | undefined> => {
  const text = await readFile(file, 'utf8').catch(() => undefined);
  if (text === undefined || depth > MAX_DEPTH) return undefined;
  const section = key.slice(0, key.indexOf('.')).toLowerCase();
  const list = headers(text);
  // Each source of a value, at the place of its header: the last one that sets the key wins.
  const sources: { at: number; value: () => Promise<string | undefined> }[] = [];
  const own = list.map((h) => h.section).lastIndexOf(section);
  if (own >= 0) sources.push({ at: own, value: async () => (await valuesOf(file, key)).at(-1) });
  const seen = new Set<string>();
  for (const [at, h] of list.entries()) {
    const name =
      h.section === 'include'
        ? 'include'
        : h.section === 'includeif' && h.sub
          ? `includeIf.${h.sub}`
          : undefined;
    if (!name || seen.has(name)) continue;
    seen.add(name);
    if (h.section === 'includeif' && !(await matches(h.sub!, file, ctx))) continue;
    const paths = await valuesOf(file, `${name}.path`);
    for (const [i, p] of paths.entries())
      sources.push({
        at: at + i / (paths.length + 1),
        value: () => configValue(resolvePath(p, file, ctx), key, ctx, depth + 1),
      });
  }
  sources.sort((a, b) => b.at - a.at);
  for (const source of sources) {
    const value = await source.value();
    if (value !== undefined && value.trim() !== '') return value.trim();
  }
  return undefined;
};

/** An include path: `~/` from home, relative to the including file's directory. */
const resolvePath = (path: string, from: string, ctx: IncludeContext): string => {
  if (path.startsWith('~/') && ctx.home) return join(ctx.home, path.slice(2));
  return isAbsolute(path) ? path : join(dirname(from), path);
};

/** Whether an `includeIf` condition holds. */
const matches = async (condition: string, from: string, ctx: IncludeContext): Promise<boolean> => {
  const colon = condition.indexOf(':');
  const kind = condition.slice(0, colon);
  let pattern = condition.slice(colon + 1);
  if (kind === 'onbranch') {
    if (!ctx.branch) return false;
    if (pattern.endsWith('/')) pattern += '**';
    return picomatch(pattern)(ctx.branch);
  }
  if (kind !== 'gitdir' && kind !== 'gitdir/i') return false;
  if (pattern.startsWith('~/') && ctx.home) pattern = join(ctx.home, pattern.slice(2));
  else if (pattern.startsWith('./')) pattern = join(dirname(from), pattern.slice(2));
  else if (!isAbsolute(pattern)) pattern = `**/${pattern}`;
  if (pattern.endsWith('/')) pattern += '**';
  const nocase = kind === 'gitdir/i';
  const gitdir = ctx.gitdir.replace(/\/+$/, '');
  return (
    picomatch(pattern, { nocase, dot: true })(gitdir) ||
    picomatch(pattern, { nocase, dot: true })(`${gitdir}/`)
  );
};
