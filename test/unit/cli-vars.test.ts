// biome-ignore-all lint/suspicious/noTemplateCurlyInString: service files write ${var.NAME} in plain strings
/**
 * `mcp plan` and `mcp validate` with per-node variables: the repository's values are used, a
 * variable's change is named as the cause of the recreate it makes, and what only a node's
 * agent knows is said, not guessed.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { run as runPlan } from '../../src/cli/commands/plan.js';
import { run as runRender } from '../../src/cli/commands/render.js';
import { run as runValidate } from '../../src/cli/commands/validate.js';
import { runCli } from '../support/cli.js';

const repo = mkdtempSync(join(tmpdir(), 'mcp-vars-repo-'));
const git = (...args: string[]): string =>
  execFileSync('git', args, {
    cwd: repo,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@example.org',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@example.org',
      GIT_CONFIG_NOSYSTEM: '1',
      HOME: repo,
    },
  });
const write = (path: string, text: string): void => writeFileSync(join(repo, path), text);
const commit = (tag: string): void => {
  git('add', '-A', '.');
  git('commit', '-q', '-m', tag);
  git('tag', tag);
};

before(() => {
  git('init', '-q', '-b', 'main');
  mkdirSync(join(repo, 'services'));
  mkdirSync(join(repo, 'nodes'));
  write(
    'services/web.toml',
    'name = "web"\nnode = ["rift", "orion"]\n[[components]]\nname = "main"\n' +
      'image = "mcr.example:8443/web:${var.tag}"\nports = ["127.0.0.1:${var.port:-8080}:80"]\n',
  );
  write(
    'services/db.toml',
    'name = "db"\nnode = "orion"\n[[components]]\nname = "main"\nimage = "mcr.example:8443/db:v1"\n' +
      'env = ["PASSWORD_FILE=${var.db_secret}"]\n',
  );
  write('nodes/rift.toml', '[vars]\ntag = "v1"\n');
  write('nodes/orion.toml', '[vars]\ntag = "v1"\nport = "8081"\ndb_secret = "/srv/db/secret"\n');
  commit('base');
  write('nodes/rift.toml', '[vars]\ntag = "v2"\n');
  // the secret's path moves out of the repository, into orion's agent config
  write('nodes/orion.toml', '[vars]\ntag = "v1"\nport = "8081"\n');
  commit('head');
  git('checkout', '-q', '-b', 'wider');
  write('nodes/vade.toml', '[vars]\ntag = "v1"\n');
  write(
    'services/web.toml',
    readFileSync(join(repo, 'services/web.toml'), 'utf8').replace('"orion"]', '"orion", "vade"]'),
  );
  commit('wider-tag');
  git('checkout', '-q', 'main');
});
after(() => (process.env.KEEP ? undefined : rmSync(repo, { recursive: true, force: true })));

const cli = (run: typeof runPlan, ...args: string[]) => runCli(run, args, { cwd: repo, env: {} });

describe('mcp plan with per-node variables', () => {
  it('recreates only where the variable changed the final spec, and names the variable', async () => {
    const { code, out, err } = await cli(runPlan, '--base', 'base', '--head', 'head', '--no-policy');
    assert.equal(code, 2, err);
    assert.match(out, /^rift: 1 recreated$/m);
    assert.match(
      out,
      /^ {8}image: mcr\.example:8443\/web:v1 -> mcr\.example:8443\/web:v2 \(var\.tag: v1 -> v2\)$/m,
    );
    assert.match(
      out,
      /^orion: no changes \(1 unchanged\)$/m,
      'db, which head cannot resolve here, is not planned as a removal',
    );
  });

  it('says which service it could not plan, and which agent-local variable it lacks', async () => {
    const { err } = await cli(runPlan, '--base', 'base', '--head', 'head', '--no-policy');
    assert.match(
      err,
      /^note: not planned: services\/db\.toml on orion: not checked here: var\.db_secret is in neither nodes\/orion\.toml nor a default, so only orion's agent knows it \(var\.db_secret at 6:8 components\[0\]\.env\[0\]\)$/m,
    );
  });

  it('the JSON report carries the cause and the unchecked files', async () => {
    const { out } = await cli(runPlan, '--base', 'base', '--head', 'head', '--no-policy', '--format', 'json');
    const report = JSON.parse(out);
    const rift = report.nodes.find((n: { node: string }) => n.node === 'rift');
    assert.deepEqual(rift.actions[0].changes[0].because, ['var.tag: v1 -> v2']);
    assert.deepEqual(
      report.unchecked.map((u: { node: string; service: string }) => [u.node, u.service]),
      [['orion', 'db']],
    );
  });
});

describe('a service file for one more node', () => {
  it('plans a create there as an addition, not a move', async () => {
    const { code, out } = await cli(runPlan, '--base', 'head', '--head', 'wider-tag', '--no-policy');
    assert.equal(code, 2);
    assert.match(out, /^vade: 1 created$/m);
    assert.match(out, /^ {4}\+ create {3}web-main {2}added to this node \(also on orion, rift\)$/m);
  });

  it('mcp render asks which node’s copy, and renders it with that node’s values', async () => {
    await assert.rejects(cli(runRender, 'web'), /web runs on several nodes: give --node/);
    const { code, out } = await cli(runRender, 'web', '--node', 'orion');
    assert.equal(code, 0);
    assert.match(out, /-p 127\.0\.0\.1:8081:80 /);
    assert.match(out, /mcr\.example:8443\/web:v1/);
  });
});

describe('mcp validate with per-node variables', () => {
  it('is valid, checks each node’s copy with the repository’s values, and notes what it could not know', async () => {
    const { code, out, err } = await cli(runValidate, '.', '--no-policy');
    assert.equal(code, 0, err);
    assert.equal(out, 'valid: 2 services, 2 components');
    assert.match(err, /^note: services\/db\.toml on orion: not checked here: var\.db_secret/m);
    const rift = await cli(runValidate, '.', '--node', 'rift');
    assert.doesNotMatch(rift.err, /db_secret/, '--node limits the notes to that node');
  });

  it('reports a malformed reference at its line', async () => {
    write(
      'services/bad.toml',
      'name = "bad"\nnode = "rift"\n[[components]]\nname = "main"\nimage = "x/y:${tag}"\n',
    );
    try {
      const { code, err } = await cli(runValidate, '.', '--no-policy');
      assert.equal(code, 1);
      assert.match(
        err,
        /^services\/bad\.toml:5:1 components\[0\]\.image: unknown variable reference '\$\{tag\}'/m,
      );
    } finally {
      rmSync(join(repo, 'services', 'bad.toml'));
    }
  });
});
