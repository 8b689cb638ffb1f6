/**
 * The services' secrets on this node: `[secrets]` of the agent config checked at start, and
 * the keeper that seals revisions and delivers values (keeper.ts).
 */
import { mkdir, readFile, stat, statfs } from 'node:fs/promises';
import { McpError } from '../../domain/errors.js';
import { SecretKeeper } from './keeper.js';

export { type Refusal, SecretKeeper } from './keeper.js';

/** `[secrets]` of the agent config. */
export interface SecretsConfig {
  identity_file?: string;
  runtime_dir?: string;
}

export const DEFAULT_RUNTIME_DIR = '/run/mcp-agent/secrets';

/** statfs(2) magic numbers of the filesystems that live in memory only. */
const IN_MEMORY = new Set([0x01021994 /* tmpfs */, 0x858458f6 /* ramfs */]);

const invalid = (message: string, hint?: string): McpError =>
  new McpError('INVALID_CONFIG', message, hint ? { hint } : {});

/**
 * The keeper for `[secrets]`: the identity file must be the agent's alone (no group or other
 * bits) and hold at least one age identity, and the runtime directory must be on a tmpfs.
 * INVALID_CONFIG (exit 78) otherwise. Without an identity file the keeper refuses every
 * secret, so a service that names one keeps its running version.
 */
export async function openSecrets(config: SecretsConfig = {}): Promise<SecretKeeper> {
  const runtimeDir = config.runtime_dir ?? DEFAULT_RUNTIME_DIR;
  const file = config.identity_file;
  if (file === undefined) return new SecretKeeper([], runtimeDir);
  const info = await stat(file).catch((err: NodeJS.ErrnoException) => {
    throw invalid(`[secrets] identity_file ${file}: ${err.code ?? err.message}`);
  });
  if ((info.mode & 0o077) !== 0)
    throw invalid(
      `[secrets] identity_file ${file} is readable by others (mode ${(info.mode & 0o777).toString(8)}); it must be 0600 or stricter`,
      `chmod 600 ${file}`,
    );
  const identities = (await readFile(file, 'utf8'))
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('AGE-SECRET-KEY-'));
  if (identities.length === 0)
    throw invalid(
      `[secrets] identity_file ${file} holds no age identity (AGE-SECRET-KEY-1...)`,
      'age-keygen -o FILE',
    );
  await mkdir(runtimeDir, { recursive: true, mode: 0o700 });
  const fs = await statfs(runtimeDir);
  if (!IN_MEMORY.has(fs.type))
    throw invalid(
      `[secrets] runtime_dir ${runtimeDir} is not on a tmpfs, so file secrets would reach a disk`,
      `mount -t tmpfs -o mode=0700 tmpfs ${runtimeDir}, or point runtime_dir at one (e.g. under /dev/shm)`,
    );
  return new SecretKeeper(identities, runtimeDir);
}

/**
 * A warning when this process may dump core (its soft `RLIMIT_CORE` is not 0, from
 * /proc/self/limits): a core dump of an agent that decrypts holds plain texts. Undefined when
 * it may not, or the limit cannot be read.
 */
export async function coreDumpWarning(limitsFile = '/proc/self/limits'): Promise<string | undefined> {
  const limits = await readFile(limitsFile, 'utf8').catch(() => '');
  const soft = /^Max core file size\s+(\S+)/m.exec(limits)?.[1];
  if (soft === undefined || soft === '0') return undefined;
  return `core dumps are on (soft limit ${soft}): a dump of this agent would hold decrypted secrets; set LimitCORE=0 (systemd) or ulimit -c 0`;
}
