/**
 * Only signed commits deploy: the commit at the tip of the followed branch (with
 * `require = "all"`, every commit since the last applied one too) must carry a valid signature
 * by an allowed key. isomorphic-git reads each commit object; splitSignature cuts it as git does;
 * ssh-signature.ts and pgp-signature.ts check them. The keys are read again for every new
 * commit, so an operator rotates them without restarting the agent.
 */
import fs from 'node:fs';
import { readFile } from 'node:fs/promises';
import git from 'isomorphic-git';
import type { SignatureCheck } from './ssh-signature.js';

export interface VerifyOptions {
  mode: 'ssh' | 'openpgp';
  /** git's allowed signers file (mode ssh). */
  allowedSigners?: string;
  /** Armored public keys (mode openpgp). */
  keyring?: string;
  require: 'tip' | 'all';
}

/** Why a commit does not deploy: which commit, who signed it (or "unsigned"), and the reason. */
export interface VerifyFailure {
  commit: string;
  signer: string;
  reason: string;
}

/** At most this many commits are walked for `require = "all"`; a longer history is refused, not half-checked. */
const WALK_LIMIT = 10_000;

/** Checks commits of a gitdir: `verify` answers the first that may not deploy, or undefined. */
export type CommitVerifier = ReturnType<typeof commitVerifier>;

export const commitVerifier = (opts: VerifyOptions) => {
  const check = async (gitdir: string, oid: string, keys: Keys): Promise<VerifyFailure | undefined> => {
    const { object } = await git.readObject({ fs, gitdir, oid, format: 'content' });
    const { signature, payload } = splitSignature(Buffer.from(object as Uint8Array).toString('utf8'));
    if (!signature) return { commit: oid, signer: 'unsigned', reason: 'the commit is not signed' };
    const result = await keys.check(signature, Buffer.from(payload));
    if (result.ok) return undefined;
    return { commit: oid, signer: result.signer ?? 'unknown', reason: result.reason };
  };

  return {
    /** Throws when the key file cannot be read or parsed: the agent's config is wrong. */
    load: () => loadKeys(opts),
    async verify(gitdir: string, tip: string, since?: string): Promise<VerifyFailure | undefined> {
      let keys: Keys;
      try {
        keys = await loadKeys(opts);
      } catch (err) {
        return { commit: tip, signer: 'not checked', reason: (err as Error).message };
      }
      const commits = opts.require === 'all' && since ? await commitsSince(gitdir, tip, since) : [tip];
      if (!commits)
        return {
          commit: tip,
          signer: 'not checked',
          reason: `more than ${WALK_LIMIT} commits to check since ${since}`,
        };
      for (const oid of commits) {
        const failure = await check(gitdir, oid, keys);
        if (failure) return failure;
      }
      return undefined;
    },
  };
};

/**
 * A commit object's signature and the bytes it covers: the object without its `gpgsig` header
 * (the header's continuation lines start with a space), as git itself cuts it. isomorphic-git's
 * own payload knows only PGP armor, not SSH signatures.
 */
export const splitSignature = (raw: string): { signature?: string; payload: string } => {
  const end = raw.indexOf('\n\n');
  const headers = (end < 0 ? raw : raw.slice(0, end + 1)).split(/(?<=\n)/);
  const kept: string[] = [];
  const sig: string[] = [];
  let inSig = false;
  for (const line of headers) {
    if (line.startsWith('gpgsig ')) {
      inSig = true;
      sig.push(line.slice('gpgsig '.length));
    } else if (inSig && line.startsWith(' ')) sig.push(line.slice(1));
    else {
      inSig = false;
      kept.push(line);
    }
  }
  const payload = kept.join('') + (end < 0 ? '' : raw.slice(end + 1));
  return { signature: sig.length ? sig.join('') : undefined, payload };
};

/** The allowed keys, read, as the check of one signature over its payload. */
interface Keys {
  check(signature: string, payload: Buffer): Promise<SignatureCheck>;
}

const loadKeys = async (opts: VerifyOptions): Promise<Keys> => {
  const file = opts.mode === 'ssh' ? opts.allowedSigners : opts.keyring;
  if (!file)
    throw new Error(
      `source.verify mode ${opts.mode} needs ${opts.mode === 'ssh' ? 'allowed_signers' : 'keyring'}`,
    );
  const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new Error(`cannot read ${file}: ${err.code ?? err.message}`);
  });
  // Each mode's library is loaded only by an agent that verifies in that mode.
  if (opts.mode === 'ssh') {
    const { parseAllowedSigners, verifySshSignature } = await import('./ssh-signature.js');
    const signers = parseAllowedSigners(text, file);
    if (signers.length === 0) throw new Error(`${file} lists no signer for the git namespace`);
    return { check: async (signature, payload) => verifySshSignature(signature, payload, signers) };
  }
  const { readKeyring, verifyPgpSignature } = await import('./pgp-signature.js');
  const keyring = await readKeyring(text, file);
  return { check: (signature, payload) => verifyPgpSignature(signature, payload, keyring) };
};

/**
 * The commits reachable from `tip` but not from `since`, newest first; all of tip's history when
 * `since` is not an ancestor (a rewritten history is checked whole). Undefined past the limit.
 */
const commitsSince = async (gitdir: string, tip: string, since: string): Promise<string[] | undefined> => {
  const known = await ancestors(gitdir, since);
  const out: string[] = [];
  const seen = new Set<string>();
  const queue = [tip];
  while (queue.length > 0) {
    const oid = queue.shift()!;
    if (seen.has(oid) || known.has(oid)) continue;
    seen.add(oid);
    out.push(oid);
    if (out.length > WALK_LIMIT) return undefined;
    const { commit } = await git.readCommit({ fs, gitdir, oid });
    queue.push(...commit.parent);
  }
  return out;
};

/** `since` and its ancestors present in the clone (none when it is gone from the clone). */
const ancestors = async (gitdir: string, since: string): Promise<Set<string>> => {
  const seen = new Set<string>();
  const queue = [since];
  while (queue.length > 0 && seen.size <= WALK_LIMIT) {
    const oid = queue.shift()!;
    if (seen.has(oid)) continue;
    try {
      const { commit } = await git.readCommit({ fs, gitdir, oid });
      seen.add(oid);
      queue.push(...commit.parent);
    } catch {}
  }
  return seen;
};
