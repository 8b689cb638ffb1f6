/**
 * The operator's age identity file (as `age-keygen -o FILE` writes it): it must be the
 * operator's alone (mode 0600 or stricter) and hold at least one AGE-SECRET-KEY-1 line.
 */
import { readFile, stat } from 'node:fs/promises';
import { McpError } from '../../domain/errors.js';

const invalid = (message: string, hint?: string): McpError =>
  new McpError('INVALID_CONFIG', message, hint ? { hint } : {});

/** The identities of the file at `path`; INVALID_CONFIG when it is missing, open to others or empty. */
export const readIdentityFile = async (path: string): Promise<string[]> => {
  const info = await stat(path).catch((err: NodeJS.ErrnoException) => {
    throw invalid(
      `age identity ${path}: ${err.code === 'ENOENT' ? 'no such file' : (err.code ?? err.message)}`,
      'give --identity FILE or $MCP_AGE_IDENTITY, or create one: age-keygen -o ~/.config/mcp/age.key',
    );
  });
  if (!info.isFile()) throw invalid(`age identity ${path} is not a regular file`);
  if ((info.mode & 0o077) !== 0)
    throw invalid(
      `age identity ${path} is readable by others (mode ${(info.mode & 0o777).toString(8)}); it must be 0600 or stricter`,
      `chmod 600 ${path}`,
    );
  const identities = (await readFile(path, 'utf8'))
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('AGE-SECRET-KEY-'));
  if (identities.length === 0)
    throw invalid(`age identity ${path} holds no age identity (AGE-SECRET-KEY-1...)`, 'age-keygen -o FILE');
  return identities;
};
