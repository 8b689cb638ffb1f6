/**
 * `mcp plan` against a real git repository made with the git CLI: the actions per node
 * between two commits, in text, JSON and markdown, and the exit codes 0 / 2 / 1.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { run } from '../../src/cli/commands/plan.js';
import type { CliContext } from '../../src/cli/context.js';
import { McpError } from '../../src/domain/errors.js';
import { specHash } from '../../src/domain/hash.js';
import { simulateConverged } from '../../src/domain/simulate.js';
import type { PlanReport } from '../../src/render/plan-report.js';
import { runCli } from '../support/cli.js';

const serviceFile = (name: string, node: string, image: string, extra = ''): string => `name = "${name}"
node = "${node}"
${extra}
[[components]]
name = "main"
image = "${image}"
`;

const repo = mkdtempSync(join(tmpdir(), 'mcp-plan-repo-'));
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
const write = (name: string, text: string): void =>
  writeFileSync(join(repo, 'services', `${name}.toml`), text);
const commit = (tag: string): void => {
  git('add', '-A', '.');
  git('commit', '-q', '-m', tag);
  git('tag', tag);
};

before(() => {
  git('init', '-q', '-b', 'main');
  mkdirSync(join(repo, 'services'));
  write('dns', serviceFile('dns', 'rift', 'mcr.example:8443/dns:v1.0.0'));
  write('app', serviceFile('app', 'rift', 'mcr.example:8443/app:v1.0.0', 'depends_on = ["dns"]'));
  write('legacy', serviceFile('legacy', 'rift', 'mcr.example:8443/legacy:v0.9.0'));
  write('mon', serviceFile('mon', 'vade', 'mcr.example:8443/mon:v3.0.0'));
  commit('base');
  write('app', serviceFile('app', 'rift', 'mcr.example:8443/app:v1.1.0', 'depends_on = ["dns"]'));
  write('new', serviceFile('new', 'vade', 'mcr.example:8443/new:v1.0.0'));
  rmSync(join(repo, 'services', 'legacy.toml'));
  commit('head');
  write(
    'broken',
    'name = "broken"\nnode = "rift"\n[[components]]\nname = "main"\nimage = "busybox:latest"\n',
  );
  write('typo', serviceFile('typo', 'rift', 'mcr.example:8443/typo:v1.0.0', 'activ = true'));
  commit('invalid');
  git('checkout', '-q', '-b', 'wipe', 'base');
  rmSync(join(repo, 'services', 'app.toml'));
  rmSync(join(repo, 'services', 'legacy.toml'));
  commit('wipe-tag');
  git('checkout', '-q', '-b', 'move', 'base');
  write('mon', serviceFile('mon', 'rift', 'mcr.example:8443/mon:v3.0.0'));
  commit('move-tag');
  git('checkout', '-q', '-b', 'hostmount', 'base');
  write('mon', serviceFile('mon', 'vade', 'mcr.example:8443/mon:v3.0.0').concat('volumes = ["/:/host"]\n'));
  commit('hostmount-tag');
  git('checkout', '-q', 'main');
});
after(() => rmSync(repo, { recursive: true, force: true }));

const plan = (...args: string[]) => runCli(run, args, { cwd: repo, env: {} });

describe('mcp plan', () => {
  it('lists per node the actions with field changes and exits 2 when there are changes', async () => {
    const { code, out } = await plan('--base', 'base', '--head', 'head');
    assert.equal(code, 2);
    assert.match(out, /^rift: 1 recreated, 1 removed, 1 unchanged$/m);
    assert.match(out, /^ {4}- remove {3}legacy-main {2}service no longer defined$/m);
    assert.match(out, /^ {4}~ recreate app-main {5}spec changed$/m);
    assert.match(out, /^ {8}image: mcr\.example:8443\/app:v1\.0\.0 -> mcr\.example:8443\/app:v1\.1\.0$/m);
    assert.match(out, /^vade: 1 created, 1 unchanged$/m);
    assert.match(out, /^ {4}\+ create {3}new-main {2}new service$/m);
    assert.doesNotMatch(out, /dns-main|mon-main/, 'unchanged instances are only counted');
  });

  it('tears down before it creates: the remove is in an earlier stage than the recreate', async () => {
    const { out } = await plan('--base', 'base', '--head', 'head', '--node', 'rift');
    assert.match(out, /stage 1\n {4}- remove[^\n]*\n {2}stage 2\n {4}~ recreate/);
  });

  it('exits 0 and says so when the revisions plan the same', async () => {
    const { code, out } = await plan('--base', 'base', '--head', 'base');
    assert.equal(code, 0);
    assert.match(out, /^rift: no changes \(3 unchanged\)$/m);
    assert.match(out, /^vade: no changes \(1 unchanged\)$/m);
  });

  it('prints a stable JSON report with raw field changes', async () => {
    const { code, out } = await plan(
      '--base',
      'base',
      '--head',
      'head',
      '--format',
      'json',
      '--node',
      'rift',
    );
    assert.equal(code, 2);
    const report = JSON.parse(out) as PlanReport & { valid: boolean };
    assert.equal(report.valid, true);
    assert.equal(report.changed, true);
    assert.equal(report.base.ref, 'base');
    assert.match(report.head.commit ?? '', /^[0-9a-f]{40}$/);
    assert.deepEqual(
      report.nodes.map((n) => n.node),
      ['rift'],
    );
    assert.deepEqual(report.nodes[0].actions, [
      {
        stage: 1,
        kind: 'remove',
        name: 'legacy-main',
        service: 'legacy',
        component: 'main',
        reason: 'service no longer defined',
      },
      {
        stage: 2,
        kind: 'recreate',
        name: 'app-main',
        service: 'app',
        component: 'main',
        reason: 'spec changed',
        changes: [{ field: 'image', from: 'mcr.example:8443/app:v1.0.0', to: 'mcr.example:8443/app:v1.1.0' }],
      },
    ]);
    assert.equal(report.nodes[0].counts.unchanged, 1);
  });

  it('renders a pull-request comment: summary line per node, details with changes', async () => {
    const { code, out } = await plan('--base', 'base', '--head', 'head', '--format', 'markdown');
    assert.equal(code, 2);
    assert.match(out, /^<!-- mcp-plan -->\n### mcp plan: `base \([0-9a-f]{7}\)` → `head \([0-9a-f]{7}\)`/);
    assert.match(out, /^- \*\*rift\*\*: 1 recreated, 1 removed, 1 unchanged$/m);
    assert.match(out, /^- \*\*vade\*\*: 1 created, 1 unchanged$/m);
    assert.match(out, /<details><summary><b>rift<\/b>: 2 actions<\/summary>/);
    assert.match(out, /<details><summary><b>vade<\/b>: 1 action<\/summary>/);
    assert.match(
      out,
      /^- \*\*recreate\*\* `app-main` — spec changed\n {2}- image: `mcr\.example:8443\/app:v1\.0\.0` → `mcr\.example:8443\/app:v1\.1\.0`$/m,
    );
    assert.equal(out.match(/<details>/g)?.length, 2);
    assert.equal(out.match(/<\/details>/g)?.length, 2);
    assert.doesNotMatch(out, /WARNING/);
  });

  it('warns in the comment when a node would lose most of its services', async () => {
    const { code, out } = await plan('--base', 'base', '--head', 'wipe', '--format', 'markdown');
    assert.equal(code, 2);
    assert.match(out, /^- \*\*rift\*\*: 2 removed, 1 unchanged$/m);
    assert.match(out, /^> \[!WARNING\]\n> \*\*rift\*\*: this change removes most of the node's services/m);
    const text = await plan('--base', 'base', '--head', 'wipe');
    assert.match(text.out, /explicit override/);
  });

  it('shows a service moved between nodes as a create on one and a remove on the other', async () => {
    const { out } = await plan('--base', 'base', '--head', 'move');
    assert.match(
      out,
      /^rift: 1 created, 3 unchanged\n {2}stage 1\n {4}\+ create {3}mon-main {2}moved from node vade$/m,
    );
    assert.match(out, /^vade: 1 removed\n {2}stage 1\n {4}- remove {3}mon-main {2}moved to node rift$/m);
  });

  it('exits 1 and prints every error of an invalid head, in each format', async () => {
    const text = await plan('--base', 'head', '--head', 'invalid');
    assert.equal(text.code, 1);
    assert.equal(text.out, '');
    assert.match(text.err, /services\/broken\.toml:5:\d+ components\[0\]\.image: /);
    assert.match(text.err, /services\/typo\.toml:3:\d+/);

    const json = await plan('--base', 'head', '--head', 'invalid', '--format', 'json');
    assert.equal(json.code, 1);
    const report = JSON.parse(json.out);
    assert.equal(report.valid, false);
    assert.deepEqual(report.errors.map((e: { file: string }) => e.file).sort(), [
      'services/broken.toml',
      'services/typo.toml',
    ]);

    const md = await plan('--base', 'head', '--head', 'invalid', '--format', 'markdown');
    assert.equal(md.code, 1);
    assert.match(md.out, /is invalid\*\* \(2 errors\)/);
  });

  it('holds the head to the default admission policy and says so; --no-policy plans on the schema alone', async () => {
    const refused = await plan('--base', 'base', '--head', 'hostmount-tag');
    assert.equal(refused.code, 1);
    assert.match(
      refused.err,
      /services\/mon\.toml:7:12 components\[0\]\.volumes\[0\]: volume source '\/' .*\(policy: allowed_volume_roots\)/,
    );
    assert.match(
      refused.err,
      /\nchecked against the default admission policy; --policy FILE for a node's own$/,
    );
    const schemaOnly = await plan('--base', 'base', '--head', 'hostmount-tag', '--no-policy');
    assert.equal(schemaOnly.code, 2);
    assert.match(schemaOnly.out, /^ {4}~ recreate mon-main/m);
    const fine = await plan('--base', 'base', '--head', 'head');
    assert.equal(fine.err, "checked against the default admission policy; --policy FILE for a node's own");
  });

  it('colours the text only when the context allows colour', async () => {
    const out: string[] = [];
    const ctx: CliContext = { cwd: repo, env: {}, out: (t) => out.push(t), err: () => {}, color: true };
    await run(['--base', 'base', '--head', 'head'], ctx);
    assert.match(out.join(''), /\x1b\[33m~ recreate/);
    assert.doesNotMatch((await plan('--base', 'base', '--head', 'head')).out, /\x1b\[/);
  });

  it('reports an unknown revision or node as NOT_FOUND and a missing --base as USAGE', async () => {
    const code = (expected: string) => (e: unknown) => e instanceof McpError && e.code === expected;
    await assert.rejects(plan('--base', 'no-such-ref', '--head', 'head'), code('NOT_FOUND'));
    await assert.rejects(plan('--base', 'base', '--head', 'head', '--node', 'nowhere'), code('NOT_FOUND'));
    await assert.rejects(plan('--head', 'head'), code('USAGE'));
    await assert.rejects(plan('--base', 'base', '--format', 'html'), code('USAGE'));
  });
});

describe('the converged base', () => {
  it('runs every component of the node with MCP labels, inactive ones exited, all inventoried', () => {
    const main = (service: string) => ({
      service,
      name: 'main',
      kind: 'container' as const,
      image: `x.example/${service}:v1`,
      restart: 'unless-stopped' as const,
      ...{ ports: [], volumes: [], cmd: [], env: [], dependsOn: [], routes: [] },
    });
    const svc = (name: string, node: string, active: boolean) => ({
      name,
      node,
      active,
      dependsOn: [],
      components: [main(name)],
      file: `services/${name}.toml`,
    });
    const revision = {
      commit: 'c0ffee',
      services: [svc('a', 'rift', true), svc('b', 'rift', false), svc('c', 'vade', true)],
    };
    const { observed, inventory } = simulateConverged(revision, 'rift');
    assert.deepEqual(
      observed.instances.map((i) => [i.name, i.state, i.labels['mcp.spec-hash'], i.labels['mcp.revision']]),
      [
        ['a-main', 'running', specHash(main('a')), 'c0ffee'],
        ['b-main', 'exited', specHash(main('b')), 'c0ffee'],
      ],
    );
    assert.deepEqual(
      inventory.map((e) => [e.name, e.spec?.image]),
      [
        ['a-main', 'x.example/a:v1'],
        ['b-main', 'x.example/b:v1'],
      ],
    );
  });
});
