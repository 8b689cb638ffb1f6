/**
 * The services repository an operator's CLI tests work on: a bare repository served by a real
 * git server (`git http-backend`), and the operator's clone of it with the first files
 * committed and pushed, its origin that server and its commits by "op".
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type ApiToken, tokenDigest } from '../../src/agent/api/auth.js';
import { type GitServer, startGitServer } from './git-http.js';

export interface ServicesRepo {
  server: GitServer;
  /** The bare repository the server serves (a sync git call cannot reach this process's server). */
  bare: string;
  clone: string;
}

/** Runs git in `cwd` as "op"; returns its trimmed output. */
export const git = (cwd: string, ...args: string[]): string =>
  execFileSync('git', ['-c', 'user.name=op', '-c', 'user.email=op@example', ...args], {
    cwd,
    encoding: 'utf8',
  }).trim();

/** `<dir>/server/services.git` served over HTTP, and the clone (default `<dir>/clone`) holding `files` (path -> text). */
export const servicesRepo = async (
  dir: string,
  files: Record<string, string>,
  clone = join(dir, 'clone'),
): Promise<ServicesRepo> => {
  const bare = join(dir, 'server', 'services.git');
  execFileSync('git', ['init', '-q', '--bare', '-b', 'main', bare]);
  const server = await startGitServer(join(dir, 'server'));
  git(dir, 'clone', '-q', bare, clone);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(clone, path)), { recursive: true });
    writeFileSync(join(clone, path), text);
  }
  git(clone, 'add', '.');
  git(clone, 'commit', '-q', '-m', 'first');
  git(clone, 'push', '-q', 'origin', 'main');
  git(clone, 'remote', 'set-url', 'origin', server.url('services.git'));
  git(clone, 'config', 'user.name', 'op');
  git(clone, 'config', 'user.email', 'op@example');
  return { server, bare, clone };
};

/** The agent API token the operator's CLI holds ("ops-token", role operate). */
export const opsToken: ApiToken = { name: 'ops', sha256: tokenDigest('ops-token'), role: 'operate' };

/** The operator's `<dir>/mcp.toml`: the clone of servicesRepo, `opsToken`, and one node at `address`. */
export const writeOperatorConfig = (dir: string, node: string, address: string): void => {
  writeFileSync(join(dir, 'api.token'), 'ops-token\n');
  writeFileSync(
    join(dir, 'mcp.toml'),
    `[services]\ndir = "clone"\nbranch = "main"\n\n[auth]\ntoken_path = "api.token"\n\n` +
      `[[nodes]]\nname = "${node}"\naddress = "${address}"\n`,
  );
};
