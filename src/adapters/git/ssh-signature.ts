/**
 * SSH signatures on commits, as `git -c gpg.format=ssh` makes them (`ssh-keygen -Y sign -n
 * git`): an armored SSHSIG envelope (openssh's PROTOCOL.sshsig) around a plain SSH signature
 * over the hash of the commit's payload. sshpk parses the keys and the inner signature, node's
 * crypto verifies it; only the envelope's few fields are read here.
 *
 * Allowed signers use git's `gpg.ssh.allowedSignersFile` format: `principals [options] key`,
 * one per line; a `namespaces="..."` option must list `git`; cert-authority lines are refused
 * at load, as this verifier does not check certificates.
 */
import { createHash, createPublicKey, verify } from 'node:crypto';
import sshpk from 'sshpk';

/** One line of an allowed signers file: who, and with which key. */
export interface AllowedSigner {
  principals: string;
  key: sshpk.Key;
  /** `file:line`, for messages. */
  where: string;
}

/** The outcome of checking one signature: the signer, or why not. */
export type SignatureCheck = { ok: true; signer: string } | { ok: false; reason: string; signer?: string };

const ARMOR = /^-----BEGIN SSH SIGNATURE-----\n([\s\S]*?)\n-----END SSH SIGNATURE-----\s*$/;
const MAGIC = Buffer.from('SSHSIG');

/** Parses an allowed signers file; a line it cannot use is an error naming the line. */
export const parseAllowedSigners = (text: string, file: string): AllowedSigner[] => {
  const signers: AllowedSigner[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const where = `${file}:${i + 1}`;
    const fields = splitFields(line);
    const keyAt = fields.findIndex((f) => /^(ssh-|ecdsa-|sk-)/.test(f));
    if (keyAt < 1 || keyAt + 1 >= fields.length)
      throw new Error(`${where}: expected "principals [options] key-type base64-key"`);
    const options = fields.slice(1, keyAt).join(' ');
    if (/(^|,)cert-authority(,|$)/i.test(options))
      throw new Error(`${where}: cert-authority is not supported; list the signers' own keys`);
    const namespaces = /namespaces="([^"]*)"/i.exec(options)?.[1];
    if (namespaces !== undefined && !namespaces.split(',').includes('git')) return;
    let key: sshpk.Key;
    try {
      key = sshpk.parseKey(`${fields[keyAt]} ${fields[keyAt + 1]}`, 'ssh');
    } catch (err) {
      throw new Error(`${where}: not an SSH public key (${(err as Error).message})`);
    }
    signers.push({ principals: fields[0]!, key, where });
  });
  return signers;
};

/** Whitespace-separated fields, a double-quoted run kept whole (`namespaces="git,file"`). */
const splitFields = (line: string): string[] => line.match(/(?:[^\s"]+|"[^"]*")+/g) ?? [];

/** Checks an armored SSH signature over `payload` against the allowed signers, namespace `git`. */
export const verifySshSignature = (
  armored: string,
  payload: Uint8Array,
  signers: readonly AllowedSigner[],
): SignatureCheck => {
  const body = ARMOR.exec(armored.replace(/\r\n/g, '\n').trim());
  if (!body) return { ok: false, reason: 'not an SSH signature' };
  let env: Envelope;
  try {
    env = readEnvelope(Buffer.from(body[1]!.replace(/\s+/g, ''), 'base64'));
  } catch (err) {
    return { ok: false, reason: `malformed SSH signature: ${(err as Error).message}` };
  }
  if (env.namespace !== 'git')
    return { ok: false, reason: `signature namespace is ${env.namespace}, not git` };
  if (env.hashAlgorithm !== 'sha256' && env.hashAlgorithm !== 'sha512')
    return { ok: false, reason: `unsupported hash ${env.hashAlgorithm}` };
  const signer = signers.find((s) => s.key.toBuffer('rfc4253').equals(env.publicKey));
  const fingerprint = sshpk.parseKey(env.publicKey, 'rfc4253').fingerprint('sha256').toString();
  if (!signer) return { ok: false, signer: fingerprint, reason: 'not an allowed signer' };
  const signed = Buffer.concat([
    MAGIC,
    sshString(Buffer.from(env.namespace)),
    sshString(env.reserved),
    sshString(Buffer.from(env.hashAlgorithm)),
    sshString(hash(env.hashAlgorithm, payload)),
  ]);
  const who = `${signer.principals} (${fingerprint})`;
  try {
    const type = signer.key.type as sshpk.AlgorithmType;
    const signature = sshpk.parseSignature(env.signature, type, 'ssh');
    // node's crypto checks it (sshpk's own ed25519 is pure JS, several times slower).
    const key = createPublicKey(signer.key.toString('pkcs8'));
    const algorithm = type === 'ed25519' ? null : hashOf(env.signature, signer.key);
    const bytes = type === 'ecdsa' ? signature.toBuffer('asn1') : signature.toBuffer('raw');
    if (verify(algorithm, signed, key, bytes)) return { ok: true, signer: who };
  } catch (err) {
    return { ok: false, signer: who, reason: `cannot check the signature: ${(err as Error).message}` };
  }
  return { ok: false, signer: who, reason: 'the signature does not match the commit (altered content?)' };
};

interface Envelope {
  publicKey: Buffer;
  namespace: string;
  reserved: Buffer;
  hashAlgorithm: string;
  signature: Buffer;
}

const readEnvelope = (buf: Buffer): Envelope => {
  if (!buf.subarray(0, 6).equals(MAGIC)) throw new Error('no SSHSIG preamble');
  if (buf.readUInt32BE(6) !== 1) throw new Error(`version ${buf.readUInt32BE(6)}`);
  let at = 10;
  const next = (): Buffer => {
    const len = buf.readUInt32BE(at);
    const field = buf.subarray(at + 4, at + 4 + len);
    if (field.length !== len) throw new Error('truncated');
    at += 4 + len;
    return field;
  };
  return {
    publicKey: next(),
    namespace: next().toString(),
    reserved: next(),
    hashAlgorithm: next().toString(),
    signature: next(),
  };
};

const sshString = (b: Buffer): Buffer => {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(b.length);
  return Buffer.concat([len, b]);
};

const hash = (algorithm: string, data: Uint8Array): Buffer => createHash(algorithm).update(data).digest();

/** The digest the inner signature's format names (rsa-sha2-512 and the like); the key's default otherwise. */
const hashOf = (signature: Buffer, key: sshpk.Key): sshpk.AlgorithmHashType => {
  const format = signature.subarray(4, 4 + signature.readUInt32BE(0)).toString();
  if (format === 'rsa-sha2-512') return 'sha512';
  if (format === 'rsa-sha2-256') return 'sha256';
  if (format === 'ssh-rsa') return 'sha1';
  return key.defaultHashAlgorithm();
};
