/**
 * Whether a podman API socket answers, for `mcp-agent init` to tell the operator before the
 * agent ever starts: the version podman reports, or why it could not be asked. One plain
 * request with a deadline, so a socket that never answers cannot hold the command.
 */
import { request } from 'node:http';

/** What asking the socket for its version gave. */
export type PodmanAnswer = { ok: true; version: string } | { ok: false; reason: string };

const REASONS: Record<string, string> = {
  ENOENT: 'no such socket',
  ECONNREFUSED: 'connection refused: nothing listens on it',
  EACCES: 'permission denied',
  ENOTSOCK: 'not a socket',
};

/**
 * Asks `socketPath` for `GET /_ping`, giving up after `timeoutMs`: podman answers it at once
 * and names its version in a header (`/version` takes a second or more on a busy machine).
 */
export const askPodman = (socketPath: string, timeoutMs = 10_000): Promise<PodmanAnswer> =>
  new Promise((resolve) => {
    const req = request({ socketPath, path: '/_ping', timeout: timeoutMs }, (res) => {
      res.resume();
      const version = res.headers['libpod-api-version'];
      if (res.statusCode !== 200) resolve({ ok: false, reason: `it answered HTTP ${res.statusCode}` });
      else if (typeof version !== 'string') resolve({ ok: false, reason: 'it answers, but is not podman' });
      else resolve({ ok: true, version });
    });
    req.on('timeout', () => {
      req.destroy();
      resolve({ ok: false, reason: `no answer within ${timeoutMs / 1000} s` });
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      resolve({ ok: false, reason: REASONS[err.code ?? ''] ?? err.message });
    });
    req.end();
  });
