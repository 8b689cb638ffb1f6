/**
 * `mcp deploy`, `mcp stop` and `mcp start` as an operator uses them: edit the services clone,
 * run the command, and it commits, pushes to a real git server (`git http-backend`), and
 * waits until the node's agent (real git source and API, in-memory runtime) reports the
 * pushed commit converged. Refusals lose nothing: an invalid clone commits nothing, and a
 * remote that moved on is reported, not overwritten.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gitSource } from '../../src/adapters/git/source.js';
import { openRegistry } from '../../src/adapters/sqljs/registry.js';
import { type ApiServer, startApi } from '../../src/agent/api/server.js';
import { reconcileOnce } from '../../src/agent/reconcile.js';
import type { CliContext } from '../../src/cli/context.js';
import { EXIT } from '../../src/cli/exit-codes.js';
import { main } from '../../src/cli/main.js';
import { silentLogger } from '../../src/log.js';
import { defaultOptions } from '../support/agent-harness.js';
import type { GitServer } from '../support/git-http.js';
import { MemoryRuntime } from '../support/memory-runtime.js';
import { git, opsToken, servicesRepo, writeOperatorConfig } from '../support/services-repo.js';

const image = (name: string, tag: string) => `registry.example:8443/${name}:${tag}`;
const service = (name: string, tag: string) =>
  `# ${name}: kept as written by the operator\nname = "${name}"\nnode = "rift"\n\n[[components]]\nname = "main"\nimage = "${image(name, tag)}"\n`;

describe('mcp deploy, stop and start', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-rollout-'));
  const bare = join(dir, 'server', 'services.git');
  const clone = join(dir, 'clone');
  let server: GitServer;
  let api: ApiServer;
  const runtime = new MemoryRuntime();

  /** The operator's environment: no HOME of the machine's, only what a test gives. */
  let operatorEnv: Record<string, string> = {};
  const mcp = async (...args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const ctx: CliContext = {
      cwd: dir,
      env: { MCP_CONFIG: join(dir, 'mcp.toml'), GIT_CONFIG_NOSYSTEM: '1', ...operatorEnv },
      out: (t) => out.push(t),
      err: (t) => err.push(t),
      color: false,
    };
    const code = await main(args, ctx);
    return { code, out: out.join('\n'), err: err.join('\n') };
  };
  const state = (name: string) => runtime.list().find((i) => i.name === name)?.state ?? 'absent';

  before(async () => {
    for (const tag of ['v1', 'v2']) for (const s of ['dns', 'wiki']) runtime.addImage(image(s, tag));
    ({ server } = await servicesRepo(dir, {
      'services/dns.toml': service('dns', 'v1'),
      'services/wiki.toml': service('wiki', 'v1'),
    }));

    const deps = {
      node: 'rift',
      source: gitSource({ url: server.url('services.git'), branch: 'main', gitdir: join(dir, 'agent.git') }),
      runtimes: { container: runtime },
      store: await openRegistry(),
      log: silentLogger,
    };
    await reconcileOnce(deps, defaultOptions);
    api = await startApi(
      {
        node: 'rift',
        source: deps.source.description,
        store: deps.store,
        runtimes: [runtime],
        filesRoot: '/nonexistent',
        trigger: () => reconcileOnce(deps, defaultOptions).then(() => {}),
        adopt: async () => [],
      },
      { listen: '127.0.0.1:0', tokens: [opsToken] },
      silentLogger,
    );
    writeOperatorConfig(dir, 'rift', api.url);
  });
  after(async () => {
    await api.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('deploy commits the edited file, pushes it, and waits until the node converged at that commit', async () => {
    writeFileSync(join(clone, 'services', 'wiki.toml'), service('wiki', 'v2'));
    const r = await mcp('deploy', 'wiki');
    assert.equal(r.code, EXIT.ok, r.err);
    const head = git(clone, 'rev-parse', 'HEAD');
    assert.equal(git(dir, '--git-dir', bare, 'rev-parse', 'main'), head, 'the server has the commit');
    assert.equal(git(clone, 'log', '-1', '--format=%s %an'), 'deploy wiki op');
    assert.equal(r.out.split('\n')[0], `committed and pushed ${head.slice(0, 7)}`);
    assert.match(
      r.out.split('\n')[1],
      new RegExp(`^rift: converged ${head.slice(0, 7)} in \\d+ ms: 1 recreated, 1 unchanged$`),
    );
    assert.equal(runtime.list().find((i) => i.name === 'wiki-main')?.image, image('wiki', 'v2'));
  });

  it('stop sets active = false, keeping the file as written, and the node stops the service; start undoes it', async () => {
    const stopped = await mcp('stop', 'wiki');
    assert.equal(stopped.code, EXIT.ok, stopped.err);
    const text = readFileSync(join(clone, 'services', 'wiki.toml'), 'utf8');
    assert.equal(text, service('wiki', 'v2').replace('node = "rift"\n', 'node = "rift"\nactive = false\n'));
    assert.match(stopped.out, /rift: converged \w{7} in \d+ ms: 1 stopped, 1 unchanged$/);
    assert.equal(state('wiki-main'), 'exited');
    const started = await mcp('start', 'wiki');
    assert.equal(started.code, EXIT.ok, started.err);
    assert.match(readFileSync(join(clone, 'services', 'wiki.toml'), 'utf8'), /^active = true$/m);
    assert.equal(state('wiki-main'), 'running');
  });

  it('an invalid clone commits nothing; an unknown service is 66', async () => {
    const head = git(clone, 'rev-parse', 'HEAD');
    writeFileSync(join(clone, 'services', 'dns.toml'), service('dns', 'v1').replace('node =', 'nod ='));
    const r = await mcp('deploy', 'dns');
    assert.equal(r.code, EXIT.invalid);
    assert.match(r.err, /services\/dns\.toml:3:1 nod: unknown key 'nod'/);
    assert.equal(git(clone, 'rev-parse', 'HEAD'), head);
    writeFileSync(join(clone, 'services', 'dns.toml'), service('dns', 'v1'));
    assert.equal((await mcp('deploy', 'nosuch')).code, EXIT.notFound);
  });

  it('a clone the default admission policy refuses: deploy commits and pushes nothing', async () => {
    const head = git(clone, 'rev-parse', 'HEAD');
    const pushed = git(dir, '--git-dir', bare, 'rev-parse', 'main');
    writeFileSync(join(clone, 'services', 'dns.toml'), `${service('dns', 'v1')}volumes = ["/:/host"]\n`);
    const r = await mcp('deploy', 'dns', '--no-wait');
    assert.equal(r.code, EXIT.invalid, r.out);
    assert.match(
      r.err,
      /services\/dns\.toml:8:12 components\[0\]\.volumes\[0\]: volume source '\/' is outside the allowed roots/,
    );
    assert.match(r.err, /checked against the default admission policy; --policy FILE for a node's own/);
    assert.equal(git(clone, 'rev-parse', 'HEAD'), head, 'nothing committed');
    assert.equal(git(dir, '--git-dir', bare, 'rev-parse', 'main'), pushed, 'nothing pushed');
    writeFileSync(join(clone, 'services', 'dns.toml'), service('dns', 'v1'));
  });

  it('a remote that moved on is a conflict to pull, and an unreachable one is 69; --no-wait returns once pushed', async () => {
    const other = join(dir, 'other');
    git(dir, 'clone', '-q', bare, other);
    writeFileSync(join(other, 'services', 'dns.toml'), service('dns', 'v2'));
    git(other, 'commit', '-q', '-am', 'elsewhere');
    git(other, 'push', '-q', 'origin', 'main');
    writeFileSync(join(clone, 'services', 'dns.toml'), service('dns', 'v2').replace('# dns', '# dns, v2'));
    const conflict = await mcp('deploy', 'dns');
    assert.equal(conflict.code, EXIT.refused);
    assert.match(conflict.err, /has commits on main that this clone does not\nhint: git -C .* pull --rebase/);

    git(clone, 'reset', '-q', '--hard', 'HEAD~1');
    git(clone, 'pull', '-q', '--rebase', bare, 'main'); // the bare path: a sync git call cannot reach this process's server
    server.behaviour = 'unavailable';
    try {
      writeFileSync(join(clone, 'services', 'dns.toml'), service('dns', 'v1'));
      const down = await mcp('deploy', 'dns');
      assert.equal(down.code, EXIT.unavailable);
      assert.match(down.err, /cannot push to http:\/\/127\.0\.0\.1:\d+\/services\.git: HTTP 503/);
    } finally {
      server.behaviour = 'serve';
    }
    const quick = await mcp('deploy', 'dns', '--no-wait');
    assert.equal(quick.code, EXIT.ok);
    assert.match(quick.out, /^nothing to commit; pushed \w{7}$/);
  });

  it('commits as the operator git names (~/.gitconfig of the HOME given), and refuses when nobody is named', async () => {
    const home = join(dir, 'operator-home');
    execFileSync('mkdir', ['-p', home]);
    writeFileSync(join(home, '.gitconfig'), '[user]\n\tname = Grace Operator\n\temail = grace@ops.example\n');
    git(clone, 'config', '--unset', 'user.name');
    git(clone, 'config', '--unset', 'user.email');
    operatorEnv = { HOME: home };
    try {
      writeFileSync(join(clone, 'services', 'wiki.toml'), service('wiki', 'v1'));
      const r = await mcp('deploy', 'wiki', '--no-wait');
      assert.equal(r.code, EXIT.ok, r.err);
      assert.equal(
        git(clone, 'log', '-1', '--format=%an <%ae>|%cn <%ce>'),
        'Grace Operator <grace@ops.example>|Grace Operator <grace@ops.example>',
      );

      operatorEnv = { HOME: join(dir, 'nobody-home') };
      const head = git(clone, 'rev-parse', 'HEAD');
      writeFileSync(join(clone, 'services', 'wiki.toml'), service('wiki', 'v2'));
      const refused = await mcp('deploy', 'wiki', '--no-wait');
      assert.equal(refused.code, EXIT.config);
      assert.match(
        refused.err,
        /no author identity for the commit[^\n]*\nhint: git config --global user\.name/,
      );
      assert.equal(git(clone, 'rev-parse', 'HEAD'), head, 'nothing committed');
    } finally {
      operatorEnv = {};
      git(clone, 'config', 'user.name', 'op');
      git(clone, 'config', 'user.email', 'op@example');
    }
  });

  it('deploy stops waiting when the node holds the pushed commit, and says what it would remove', async () => {
    runtime.addImage(image('cache', 'v1'));
    writeFileSync(join(clone, 'services', 'cache.toml'), service('cache', 'v1'));
    git(clone, 'add', 'services/cache.toml');
    assert.equal((await mcp('deploy', 'cache')).code, EXIT.ok);
    git(clone, 'rm', '-q', '-f', 'services/wiki.toml', 'services/cache.toml');
    git(clone, 'commit', '-q', '-m', 'retire wiki and cache');
    writeFileSync(join(clone, 'services', 'dns.toml'), service('dns', 'v2'));
    const r = await mcp('deploy', 'dns', '--timeout', '60');
    assert.equal(r.code, EXIT.notConverged);
    assert.match(
      r.out,
      /^rift: \w{7} held: it would remove cache-main, wiki-main; release it with mcp sync --override rift$/m,
    );
    assert.equal(state('wiki-main'), 'running', 'the applied revision stays desired');
  });
});
