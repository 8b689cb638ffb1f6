/**
 * The operator's side of GitOps: commit service files in a local clone of the services
 * repository and push the branch, with isomorphic-git. Errors come back in MCP's words: an
 * unreachable remote is SOURCE_UNAVAILABLE, a remote that moved on is CONFLICT (pull first).
 */
import fs from 'node:fs';
import git from 'isomorphic-git';
import { McpError } from '../../domain/errors.js';
import { httpClient, redactUrl, whyUnavailable } from './http.js';
import type { Identity } from './identity.js';
import { type SigningConfig, signPayload } from './sign.js';

export interface PushOptions {
  /** The clone's working tree. */
  dir: string;
  /** Paths (relative to `dir`) to stage and commit. */
  files: readonly string[];
  message: string;
  branch: string;
  /** The remote's URL; default: the clone's `origin`. */
  url?: string;
  username?: string;
  token?: string;
  timeoutMs?: number;
  /** Who makes the commit (see identity.ts). */
  author: Identity;
  committer: Identity;
  /** Sign the commit as the operator's git would (sign.ts); undefined: unsigned. */
  sign?: SigningConfig;
}

export interface PushResult {
  /** The commit the remote branch now points at. */
  commit: string;
  /** False when the files had nothing to commit (the branch was pushed as it was). */
  committed: boolean;
}

export const commitAndPush = async (opts: PushOptions): Promise<PushResult> => {
  const { dir, branch } = opts;
  const current = await git.currentBranch({ fs, dir }).catch(() => undefined);
  if (current !== branch)
    throw new McpError('USAGE', `the services clone ${dir} is on ${current ?? 'no branch'}, not ${branch}`, {
      hint: `git -C ${dir} switch ${branch}`,
    });
  for (const filepath of opts.files) await git.add({ fs, dir, filepath });
  const matrix = await git.statusMatrix({ fs, dir, filepaths: [...opts.files] });
  const committed = matrix.some(([, head, , stage]) => head !== stage);
  const commit = committed
    ? await git.commit({
        fs,
        dir,
        message: opts.message,
        author: opts.author,
        committer: opts.committer,
        ...(opts.sign && {
          // isomorphic-git calls onSign only with a signing key; the operator's program holds the real one.
          signingKey: 'held by the operator',
          onSign: async ({ payload }: { payload: string }) => ({
            signature: await signPayload(opts.sign!, payload, opts.committer),
          }),
        }),
      })
    : await git.resolveRef({ fs, dir, ref: 'HEAD' });
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const url = opts.url ?? (await git.getConfig({ fs, dir, path: 'remote.origin.url' }));
  if (!url)
    throw new McpError('INVALID_CONFIG', `the services clone ${dir} has no remote: set services.remote`);
  try {
    const deadline = AbortSignal.timeout(timeoutMs);
    await git.push({
      fs,
      http: httpClient(() => deadline),
      dir,
      url,
      ref: branch,
      remoteRef: branch,
      onAuth: () => (opts.token ? { username: opts.username ?? 'mcp', password: opts.token } : {}),
      onAuthFailure: () => ({ cancel: true }),
    });
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'PushRejectedError')
      throw new McpError('CONFLICT', `${redactUrl(url)} has commits on ${branch} that this clone does not`, {
        hint: `git -C ${dir} pull --rebase, then deploy again`,
      });
    throw new McpError(
      'SOURCE_UNAVAILABLE',
      `cannot push to ${redactUrl(url)}: ${whyUnavailable(err, timeoutMs)}`,
      {
        commit,
      },
    );
  }
  return { commit, committed };
};
