/**
 * The agent's git source against git itself, on the same `git http-backend` server in the same
 * run: a services repository of N service files (default 200) is cloned (first pass), fetched
 * when nothing changed (every steady-state pass), and fetched after one file changed. MCP's
 * times include loading (parsing and validating) the revision where there is a new commit; the
 * peer, `git clone --bare` / `git fetch`, only transfers. `node dist/test/bench/git.js [N]`.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gitSource } from '../../src/adapters/git/source.js';
import { startGitServer } from '../support/git-http.js';

const n = Number(process.argv[2] ?? 200);
const runs = 15;
const dir = mkdtempSync(join(tmpdir(), 'mcp-bench-git-'));
const work = join(dir, 'work');
const bare = join(dir, 'server', 'services.git');

const gitSync = (...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=b', '-c', 'user.email=b@example', ...args], {
    cwd: work,
    encoding: 'utf8',
  });
/** git as a child process: the server runs in this process, so a synchronous call would deadlock it. */
const gitAsync = (cwd: string, ...args: string[]) =>
  new Promise<void>((resolve, reject) => {
    const child = spawn('git', args, { cwd, stdio: 'ignore' });
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`git ${args[0]} exited ${code}`))));
  });
const timed = async (f: () => Promise<unknown>): Promise<number> => {
  const t0 = performance.now();
  await f();
  return performance.now() - t0;
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const service = (i: number, tag: string) =>
  `name = "svc${i}"\nnode = "rift"\n\n[[components]]\nname = "main"\nimage = "registry.example:8443/svc${i}:${tag}"\n` +
  `ports = ["127.0.0.1:${20000 + i}:8080"]\nenv = ["SERVICE=svc${i}"]\n`;

mkdirSync(join(work, 'services'), { recursive: true });
execFileSync('git', ['init', '-q', '--bare', '-b', 'main', bare]);
gitSync('init', '-q', '-b', 'main');
for (let i = 0; i < n; i++) writeFileSync(join(work, 'services', `svc${i}.toml`), service(i, 'v1'));
gitSync('add', '.');
gitSync('commit', '-q', '-m', 'services');
gitSync('push', '-q', bare, 'HEAD:main');
const server = await startGitServer(join(dir, 'server'));
const url = server.url('services.git');

let clones = 0;
const cloneMcp: number[] = [];
const cloneGit: number[] = [];
for (let r = 0; r < 5; r++) {
  const source = gitSource({ url, branch: 'main', gitdir: join(dir, `mcp-${clones}.git`) });
  cloneMcp.push(await timed(() => source.fetch()));
  cloneGit.push(await timed(() => gitAsync(dir, 'clone', '-q', '--bare', url, `git-${clones}.git`)));
  clones++;
}

const source = gitSource({ url, branch: 'main', gitdir: join(dir, 'steady.git') });
await source.fetch();
await gitAsync(dir, 'clone', '-q', '--bare', url, 'steady-git.git');
const noopMcp: number[] = [];
const noopGit: number[] = [];
for (let r = 0; r < runs; r++) {
  noopMcp.push(await timed(() => source.fetch()));
  noopGit.push(await timed(() => gitAsync(join(dir, 'steady-git.git'), 'fetch', '-q', 'origin', 'main')));
}

const changeMcp: number[] = [];
const changeGit: number[] = [];
for (let r = 0; r < 5; r++) {
  writeFileSync(join(work, 'services', `svc${r}.toml`), service(r, `v${r + 2}`));
  gitSync('commit', '-q', '-am', `change ${r}`);
  gitSync('push', '-q', bare, 'HEAD:main');
  changeMcp.push(await timed(() => source.fetch()));
  changeGit.push(await timed(() => gitAsync(join(dir, 'steady-git.git'), 'fetch', '-q', 'origin', 'main')));
}
await server.close();
rmSync(dir, { recursive: true, force: true });

const row = (what: string, mcp: number[], git: number[]) =>
  `| ${what} | ${median(mcp).toFixed(1)} ms | ${median(git).toFixed(1)} ms | ${(median(mcp) / median(git)).toFixed(2)}x |`;
console.log(`git source, ${n} service files, medians (${runs} no-op fetches, 5 of the others):\n`);
console.log('| case | MCP git source (fetch + load) | git CLI (transfer only) | MCP/git |');
console.log('| --- | ---: | ---: | ---: |');
console.log(row('first fetch (clone)', cloneMcp, cloneGit));
console.log(row('no-op fetch (steady state)', noopMcp, noopGit));
console.log(row('fetch after one file changed', changeMcp, changeGit));
