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

/** Asks `socketPath` for podman's version (`GET /version`), giving up after `timeoutMs`. */
export const askPodman = (socketPath: string, timeoutMs = 5_000): Promise<PodmanAnswer> =>
  new Promise((resolve) => {
    const req = request({ socketPath, path: '/version', timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => {
        if (res.statusCode !== 200) {
          resolve({ ok: false, reason: `it answered HTTP ${res.statusCode}` });
          return;
        }
        try {
          const version = (JSON.parse(body) as { Version?: unknown }).Version;
          resolve({ ok: true, version: typeof version === 'string' ? version : 'unknown version' });
        } catch {
          resolve({ ok: false, reason: 'its answer is not podman API JSON' });
        }
      });
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
