/**
 * `mcp deploy` signs its commit when git would: `commit.gpgsign = true` in the operator's git
 * config, with `gpg.format` openpgp (gpg, `user.signingkey` or the committer) or ssh
 * (`ssh-keygen -Y sign -n git` with `user.signingkey`, a key file or `key::` literal). The
 * operator's own programs hold the private key; MCP only hands them the payload.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { McpError } from '../../domain/errors.js';
import type { Identity } from './identity.js';

/** How the operator's git signs commits; undefined: it does not. */
export interface SigningConfig {
  format: 'openpgp' | 'ssh';
  /** user.signingkey: a gpg key id, or an SSH key file / `key::` literal. */
  key?: string;
  /** gpg.program or gpg.ssh.program, when set. */
  program?: string;
  /** The environment the program runs in (GNUPGHOME, SSH_AUTH_SOCK, HOME): the operator's. */
  env?: Readonly<Record<string, string | undefined>>;
}

/** Reads one key of the operator's git config (the clone's, global, system), as git resolves it. */
export type ConfigValue = (key: string) => Promise<string | undefined>;

/** What the operator's git config says about signing commits. */
export const signingConfig = async (
  value: ConfigValue,
  env?: SigningConfig['env'],
): Promise<SigningConfig | undefined> => {
  const sign = (await value('commit.gpgsign'))?.toLowerCase();
  if (!sign || !['true', 'yes', 'on', '1'].includes(sign)) return undefined;
  const format = ((await value('gpg.format')) ?? 'openpgp').toLowerCase();
  if (format !== 'openpgp' && format !== 'ssh')
    throw new McpError('USAGE', `gpg.format ${format} is not supported by mcp deploy`, {
      hint: 'sign with gpg.format = ssh or openpgp, or commit with git and push',
    });
  const key = await value('user.signingkey');
  const program = await value(format === 'ssh' ? 'gpg.ssh.program' : 'gpg.program');
  return { format, ...(key && { key }), ...(program && { program }), env };
};

/** The detached signature of `payload`, made by the operator's ssh-keygen or gpg. */
export const signPayload = async (
  config: SigningConfig,
  payload: string,
  committer: Identity,
): Promise<string> => {
  if (config.format === 'openpgp') {
    const who = config.key ?? `${committer.name} <${committer.email}>`;
    return run(config, 'gpg', ['--batch', '--armor', '--detach-sign', '--local-user', who], payload);
  }
  if (!config.key)
    throw new McpError('USAGE', 'commit.gpgsign with gpg.format ssh needs user.signingkey', {
      hint: 'git config user.signingkey ~/.ssh/id_ed25519.pub',
    });
  const dir = await mkdtemp(join(tmpdir(), 'mcp-sign-'));
  try {
    const home = config.env?.HOME ?? process.env.HOME ?? '';
    let keyFile = config.key.startsWith('~/') ? join(home, config.key.slice(2)) : config.key;
    if (config.key.startsWith('key::')) {
      keyFile = join(dir, 'key.pub');
      await writeFile(keyFile, `${config.key.slice('key::'.length)}\n`);
    }
    const literal = config.key.startsWith('key::') ? ['-U'] : [];
    return await run(config, 'ssh-keygen', ['-Y', 'sign', '-n', 'git', ...literal, '-f', keyFile], payload);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
};

const run = (config: SigningConfig, fallback: string, args: string[], input: string): Promise<string> =>
  new Promise((resolve, reject) => {
    const program = config.program ?? fallback;
    const env = { PATH: process.env.PATH, ...config.env };
    const child = execFile(program, args, { maxBuffer: 1 << 20, env }, (err, stdout, stderr) => {
      if (!err) return resolve(stdout);
      const why = (stderr.trim().split('\n').at(-1) ?? '') || (err as Error).message;
      reject(
        new McpError('USAGE', `cannot sign the commit with ${program}: ${why}`, {
          hint: 'check user.signingkey, or that the key is in your agent',
        }),
      );
    });
    child.stdin?.end(input);
  });
