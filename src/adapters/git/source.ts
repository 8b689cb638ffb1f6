/**
 * A git remote over HTTP(S) as the desired state. The agent keeps a bare clone of one branch
 * in its state directory; each fetch brings it up to date (isomorphic-git, no git binary)
 * and loads `services/` straight from the fetched commit's objects, so there is no working
 * tree to get out of step. The parsed revision is reused while the branch stays on the same
 * commit.
 *
 * Whatever goes wrong on the way (server down, timeout, 401, branch gone) is McpError
 * SOURCE_UNAVAILABLE: the agent then keeps its last good revision, it never reads a failed
 * fetch as an empty repository.
 */
import fs from 'node:fs';
import { readFile } from 'node:fs/promises';
import git from 'isomorphic-git';
import { McpError } from '../../domain/errors.js';
import type { SpecError } from '../../domain/spec-error.js';
import type { RevisionLoader } from '../../ports/revision-loader.js';
import type { FetchResult, RevisionSource } from '../../ports/revision-source.js';
import { httpClient, redactUrl, whyUnavailable } from './http.js';
import { loadRevisionFromGit } from './load.js';
import type { CommitVerifier, VerifyFailure } from './verify.js';

export interface GitSourceOptions {
  url: string;
  branch: string;
  /** Where the bare clone lives (created on the first fetch). */
  gitdir: string;
  /** Directory of the service files in the repository. */
  subdir?: string;
  /** HTTP basic credentials: the token is read from the file on every fetch, so it can rotate. */
  username?: string;
  tokenFile?: string;
  /** Limit for one whole fetch, connection to last byte. */
  timeoutMs?: number;
  /** How a fetched commit is loaded (the agent's works off the main thread, with admission). */
  loader?: Pick<RevisionLoader, 'fromGit'>;
  /** Only signed commits deploy: checked before a commit is loaded; `since` is the last applied commit. */
  verify?: { verifier: CommitVerifier; since: () => string | undefined };
}

export const gitSource = (opts: GitSourceOptions): RevisionSource => {
  const { url, branch, gitdir, subdir = 'services', timeoutMs = 30_000 } = opts;
  const loader = opts.loader ?? { fromGit: loadRevisionFromGit };
  const description = `${redactUrl(url)}#${branch}`;
  let deadline: AbortSignal | undefined;
  const http = httpClient(() => deadline!);
  let cached: { commit: string; result: FetchResult } | undefined;
  let initialised = false;

  const onAuth = async () => {
    if (opts.tokenFile === undefined) return opts.username ? { username: opts.username } : {};
    const token = (await readFile(opts.tokenFile, 'utf8')).trim();
    return { username: opts.username ?? 'mcp', password: token };
  };

  /** Runs one exchange with the remote under the deadline; every failure is SOURCE_UNAVAILABLE. */
  const remote = async <T>(op: () => Promise<T>): Promise<T> => {
    deadline = AbortSignal.timeout(timeoutMs);
    try {
      return await op();
    } catch (err) {
      throw new McpError(
        'SOURCE_UNAVAILABLE',
        `cannot fetch ${description}: ${whyUnavailable(err, timeoutMs)}`,
        { url: redactUrl(url), branch },
        { cause: err },
      );
    }
  };

  /** The commit the branch points at on the remote: one GET, no pack negotiation. */
  const remoteHead = () =>
    remote(async () => {
      const refs = await git.listServerRefs({
        http,
        url,
        prefix: `refs/heads/${branch}`,
        protocolVersion: 1,
        onAuth,
        onAuthFailure: () => ({ cancel: true }),
      });
      return refs.find((r) => r.ref === `refs/heads/${branch}`)?.oid;
    });

  /** Fetches the branch and returns the commit it points at. */
  const fetchHead = () =>
    remote(async () => {
      if (!initialised) {
        if (!fs.existsSync(gitdir)) await git.init({ fs, gitdir, bare: true, defaultBranch: branch });
        await git.addRemote({ fs, gitdir, remote: 'origin', url: redactUrl(url), force: true });
        initialised = true;
      }
      const result = await git.fetch({
        fs,
        http,
        gitdir,
        url,
        ref: branch,
        singleBranch: true,
        tags: false,
        onAuth,
        // A refused token is reported, not retried with the same credentials.
        onAuthFailure: () => ({ cancel: true }),
      });
      if (!result.fetchHead) throw Object.assign(new Error('no fetch head'), { code: 'NotFoundError' });
      return result.fetchHead;
    });

  return {
    description,
    async fetch() {
      // The steady state: the branch has not moved, so one ref listing replaces a fetch.
      if (cached && (await remoteHead()) === cached.commit) return cached.result;
      const commit = await fetchHead();
      if (cached?.commit === commit) return cached.result;
      const failure = await opts.verify?.verifier.verify(gitdir, commit, opts.verify.since());
      // Not cached: a key added to the allowed signers lets the same commit through on the next pass.
      if (failure) return { ok: false, commit, errors: [unverified(failure)] };
      let result: FetchResult;
      try {
        const loaded = await loader.fromGit(gitdir, commit, subdir);
        result = loaded.ok ? loaded : { ok: false, commit, errors: loaded.errors };
      } catch (err) {
        if (!(err instanceof McpError && err.code === 'NOT_FOUND')) throw err;
        result = { ok: false, commit, errors: [{ file: subdir, path: '', message: err.message }] };
      }
      cached = { commit, result };
      return result;
    },
  };
};

/** A commit that may not deploy, as the located error a rejected revision carries. */
const unverified = (f: VerifyFailure): SpecError => ({
  file: `commit ${f.commit.slice(0, 12)}`,
  path: '',
  message:
    f.signer === 'unsigned'
      ? 'not signed'
      : f.signer === 'not checked'
        ? `cannot be checked: ${f.reason}`
        : `signed by ${f.signer}: ${f.reason}`,
  rule: 'source.verify',
});
