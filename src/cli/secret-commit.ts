/**
 * How the `mcp secret` commands change the services clone: write the secret files, then
 * validate, commit (those files and .mcp/recipients.toml), push and wait as `mcp deploy`
 * does. When nothing got committed (an invalid clone, no author, a refused signature), the
 * files are put back as they were, so a refusal leaves the clone untouched.
 */
import { mkdir, readFile, rm, rmdir, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { resolveCommit } from '../adapters/git/read-tree.js';
import { RECIPIENTS_FILE } from '../domain/secrets.js';
import type { CliConfig } from '../generated/cli.js';
import type { ParsedArgs } from './args.js';
import type { CliContext } from './context.js';
import { rollout } from './rollout.js';
import { ROLLOUT_OPTIONS, rolloutOptions } from './rollout-args.js';

/** The flags of the secret commands that commit: deploy's, and the operator's age identity. */
export const SECRET_OPTIONS = { ...ROLLOUT_OPTIONS, identity: { type: 'string', short: 'i' } } as const;

export const IDENTITY_HELP = `  --identity FILE your age identity, to decrypt (default: $MCP_AGE_IDENTITY, else
                  ~/.config/mcp/age.key); it must be mode 0600 or stricter`;

/** What the secret commands commit. */
export const COMMIT_HELP = `The commit holds the secret files and .mcp/recipients.toml (so recipients mcp node add
wrote go in with the secrets encrypted to them), nothing else of the clone.`;

/** The services clone of this invocation: --repo, else services.dir of mcp.toml, else `.`. */
export const cloneDir = (ctx: CliContext, config: CliConfig, repo: unknown): string =>
  resolve(ctx.cwd, (typeof repo === 'string' ? repo : undefined) ?? config.services?.dir ?? '.');

/** The operator's age identity file: --identity, else $MCP_AGE_IDENTITY, else ~/.config/mcp/age.key. */
export const identityPath = (ctx: CliContext, flag: unknown): string => {
  if (typeof flag === 'string') return resolve(ctx.cwd, flag);
  if (ctx.env.MCP_AGE_IDENTITY) return resolve(ctx.cwd, ctx.env.MCP_AGE_IDENTITY);
  const base = ctx.env.XDG_CONFIG_HOME || join(ctx.env.HOME || homedir(), '.config');
  return join(base, 'mcp', 'age.key');
};

export interface SecretWrite {
  dir: string;
  /** The services whose nodes are waited for. */
  services: string[];
  /** Clone-relative path -> new text (ciphertexts and records only; never a plain text). */
  writes: ReadonlyMap<string, string>;
  /** The commit message when --message is not given. */
  message: string;
}

const headOf = (dir: string): Promise<string | undefined> =>
  resolveCommit(dir, 'HEAD').catch(() => undefined);

/** Writes the files, then validate, commit, push and wait; the files are put back when nothing was committed. */
export const writeAndRollout = async (
  ctx: CliContext,
  config: CliConfig,
  parsed: ParsedArgs,
  w: SecretWrite,
): Promise<number> => {
  const options = rolloutOptions(parsed, 'secret');
  const originals = new Map<string, Buffer | undefined>();
  for (const rel of w.writes.keys())
    originals.set(rel, await readFile(join(w.dir, rel)).catch(() => undefined));
  const head = await headOf(w.dir);
  const restore = async () => {
    for (const [rel, bytes] of originals) {
      const path = join(w.dir, rel);
      if (bytes) await writeFile(path, bytes);
      else {
        await rm(path, { force: true });
        await rmdir(dirname(path)).catch(() => undefined); // only when the write left it empty
      }
    }
  };
  try {
    for (const [rel, text] of w.writes) {
      await mkdir(dirname(join(w.dir, rel)), { recursive: true });
      await writeFile(join(w.dir, rel), text);
    }
    return await rollout(ctx, config, {
      ...options,
      repo: w.dir,
      services: w.services,
      files: [...w.writes.keys(), RECIPIENTS_FILE],
      message: options.message ?? w.message,
    });
  } catch (err) {
    if ((await headOf(w.dir)) === head) await restore();
    throw err;
  }
};
