/**
 * age encryption for the operator's CLI, with the age-encryption package: a value encrypted
 * armored to recipients, and a file decrypted with the operator's identities. Errors say
 * which file and why, never what it holds.
 */
import { McpError } from '../../domain/errors.js';
import { isArmoredAge } from '../../domain/secrets.js';

/**
 * age-encryption, loaded at the first encryption or decryption: it brings post-quantum
 * curves and hashes (some 60 modules) that an agent without secrets never runs.
 */
const ageLibrary = (): Promise<typeof import('age-encryption')> => import('age-encryption');

/** `plain` encrypted to every one of `recipients` (age1...), as an armored age file. */
export const encryptArmored = async (recipients: readonly string[], plain: Uint8Array): Promise<string> => {
  const { armor, Encrypter } = await ageLibrary();
  const e = new Encrypter();
  for (const r of recipients) e.addRecipient(r);
  return armor.encode(await e.encrypt(plain));
};

/** Why an age file could not be opened: its armor, no identity of ours among its recipients, or anything else. */
export class AgeError extends Error {
  constructor(
    readonly kind: 'armor' | 'recipient' | 'corrupt',
    message: string,
  ) {
    super(message);
  }
}

/** The plain text of an age file (armored or binary) with `identities`; an AgeError says why not. */
export const decryptAge = async (bytes: Uint8Array, identities: readonly string[]): Promise<Uint8Array> => {
  const { armor, Decrypter } = await ageLibrary();
  let raw = bytes;
  if (isArmoredAge(bytes)) {
    try {
      raw = armor.decode(Buffer.from(bytes).toString('utf8'));
    } catch (err) {
      throw new AgeError('armor', `corrupt armor: ${(err as Error).message}`);
    }
  }
  const d = new Decrypter();
  for (const identity of identities) d.addIdentity(identity);
  try {
    return await d.decrypt(raw);
  } catch (err) {
    const message = (err as Error).message;
    throw new AgeError(/no identity matched/i.test(message) ? 'recipient' : 'corrupt', message);
  }
};

/** The plain text of the age file `bytes` (armored or binary) at `file`, with `identities`. */
export const decryptFile = async (
  file: string,
  bytes: Uint8Array,
  identities: readonly string[],
): Promise<Uint8Array> => {
  try {
    return await decryptAge(bytes, identities);
  } catch (err) {
    const e = err as AgeError;
    if (e.kind === 'recipient')
      throw new McpError('SECRET_UNAVAILABLE', `${file} is not encrypted to your age identity`, {
        file,
        hint: 'add your recipient to [operators] of .mcp/recipients.toml, and ask an operator who can read it to run mcp secret rotate-recipients',
      });
    const what = e.kind === 'armor' ? e.message : `cannot be decrypted: ${e.message}`;
    throw new McpError('SECRET_UNAVAILABLE', `${file}: ${what}`, { file });
  }
};
