/**
 * Where `mcp secret` gets a plain text and how it seals it: the value from a file or stdin
 * (never argv), encrypted armored to the recipients. Errors name sizes and files, never bytes.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { encryptArmored } from '../adapters/age/crypt.js';
import { McpError } from '../domain/errors.js';
import type { CliContext } from './context.js';
import { readSecret } from './read-secret.js';

/** The largest age file the sources read (adapters/dir, adapters/git): larger ones are left out. */
const SECRET_FILE_LIMIT = 64 * 1024;

/**
 * The value: the bytes of `file` as they are; else stdin: on a terminal one line typed without
 * echo, from a pipe all of it less one trailing newline (so `echo pw |` gives "pw").
 */
export const readValue = async (
  ctx: CliContext,
  file: string | undefined,
  prompt: string,
): Promise<Buffer> => {
  if (file !== undefined)
    return readFile(resolve(ctx.cwd, file)).catch((err: NodeJS.ErrnoException) => {
      throw new McpError(err.code === 'ENOENT' ? 'NOT_FOUND' : 'USAGE', `cannot read ${file}: ${err.code}`);
    });
  const input = ctx.stdin ?? process.stdin;
  if (input.isTTY) return Buffer.from(await readSecret(prompt, input as NodeJS.ReadStream), 'utf8');
  const chunks: Buffer[] = [];
  for await (const chunk of input) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  const all = Buffer.concat(chunks);
  for (const c of chunks) c.fill(0);
  const cut = all.at(-1) === 0x0a ? (all.at(-2) === 0x0d ? 2 : 1) : 0;
  return all.subarray(0, all.length - cut);
};

/** USAGE when the value is empty: a service must never start with an empty secret. */
export const refuseEmpty = (value: Uint8Array, what: string, usage?: string): void => {
  if (value.length === 0)
    throw new McpError('USAGE', `the value of ${what} is empty: nothing written`, usage ? { usage } : {});
};

/** `plain` encrypted armored to `recipients`; TOO_LARGE when the file would pass what the sources read. */
export const seal = async (
  recipients: readonly string[],
  plain: Uint8Array,
  what: string,
): Promise<string> => {
  const armored = await encryptArmored(recipients, plain);
  if (Buffer.byteLength(armored) > SECRET_FILE_LIMIT)
    throw new McpError(
      'TOO_LARGE',
      `${what}: a value of ${plain.length} bytes encrypts to ${Buffer.byteLength(armored)} bytes, over the ${SECRET_FILE_LIMIT / 1024} KiB an age file may have: nothing written`,
    );
  return armored;
};
