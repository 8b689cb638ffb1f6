/**
 * OpenPGP signatures on commits, as `git commit -S` makes them with gpg: a detached armored
 * signature over the commit's payload, checked with openpgp against a keyring of armored
 * public keys.
 */
import * as openpgp from 'openpgp';
import type { SignatureCheck } from './ssh-signature.js';

/** The public keys of an armored keyring (one or more keys, concatenated). */
export const readKeyring = async (armored: string, file: string): Promise<openpgp.PublicKey[]> => {
  try {
    const keys = await openpgp.readKeys({ armoredKeys: armored });
    return keys.map((k) => k.toPublic());
  } catch (err) {
    throw new Error(`${file}: not an armored OpenPGP keyring (${(err as Error).message})`);
  }
};

/** Checks an armored detached signature over `payload` against the keyring. */
export const verifyPgpSignature = async (
  armored: string,
  payload: Uint8Array,
  keyring: readonly openpgp.PublicKey[],
): Promise<SignatureCheck> => {
  let signature: openpgp.Signature;
  try {
    signature = await openpgp.readSignature({ armoredSignature: armored });
  } catch {
    return { ok: false, reason: 'not an OpenPGP signature' };
  }
  const issuers = signature.getSigningKeyIDs().map((id) => id.toHex().toUpperCase());
  const message = await openpgp.createMessage({ binary: payload });
  const { signatures } = await openpgp.verify({
    message,
    signature,
    verificationKeys: [...keyring],
    format: 'binary',
  });
  for (const s of signatures) {
    const key = keyring.find((k) => k.getKeys(s.keyID).length > 0);
    if (!key) continue;
    const who = `${key.getUserIDs()[0] ?? 'unnamed key'} (${key.getFingerprint().toUpperCase()})`;
    try {
      await s.verified;
      return { ok: true, signer: who };
    } catch (err) {
      return {
        ok: false,
        signer: who,
        reason: `the signature does not match the commit (altered content?): ${(err as Error).message}`,
      };
    }
  }
  const signer = issuers.join(', ') || 'unknown key';
  return { ok: false, signer, reason: 'not in the keyring' };
};
