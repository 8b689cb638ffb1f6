// biome-ignore-all lint/suspicious/noTemplateCurlyInString: service files write ${var.NAME} in plain strings
/**
 * Per-node variables: `${node.name}`, `${var.NAME}` and `${var.NAME:-default}` in the string
 * values of service files, resolved per node before validation, with the repository's
 * nodes/<node>.toml over the agent's [vars] unless the agent marks one local.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { diffSpecs } from '../../src/domain/diff.js';
import { specHash } from '../../src/domain/hash.js';
import { NO_SECRETS } from '../../src/domain/secrets.js';
import type { ComponentSpec } from '../../src/domain/spec.js';
import { formatSpecError, type SourceFile } from '../../src/domain/spec-error.js';
import { changeText } from '../../src/render/plan-changes.js';
import { parseAgentConfig } from '../../src/validate/agent-config.js';
import { type LoadResult, loadRevisionFromFiles } from '../../src/validate/load.js';
import type { AgentVars, VarsView } from '../../src/validate/node-vars.js';

const file = (path: string, text: string): SourceFile => ({ path, text });

const web = (node = '"rift"', extra = '') =>
  file(
    'services/web.toml',
    `name = "web"
node = ${node}
active = true

[[components]]
name = "main"
image = "localhost/web:\${var.tag}"
ports = ["127.0.0.1:\${var.port:-8080}:80"]
env = ["NODE=\${node.name}", "GREETING=\${var.greeting:-hello}"]
${extra}`,
  );

const nodeFile = (node: string, vars: Record<string, string>) =>
  file(
    `nodes/${node}.toml`,
    `[vars]\n${Object.entries(vars)
      .map(([k, v]) => `${k} = "${v}"`)
      .join('\n')}\n`,
  );

const load = (services: SourceFile[], nodes: SourceFile[] = [], view?: VarsView): LoadResult =>
  loadRevisionFromFiles(services, 'c0ffee', [], NO_SECRETS, { nodes }, view);

const agent = (node: string, vars: AgentVars): VarsView => ({ node, vars });

const lines = (r: LoadResult): string[] => (r.ok ? [] : r.errors.map(formatSpecError));

const component = (r: LoadResult, node = 'rift'): ComponentSpec => {
  assert.equal(r.ok, true, lines(r).join('\n'));
  const spec = r.ok ? r.revision.services.find((s) => s.node === node)?.components[0] : undefined;
  assert.ok(spec, `no component on ${node}`);
  return spec;
};

describe('per-node variables', () => {
  it('resolves the repository values of the file’s node, defaults and node.name, before validation', () => {
    const c = component(load([web()], [nodeFile('rift', { tag: 'v1' })]));
    assert.equal(c.image, 'localhost/web:v1');
    assert.deepEqual(c.ports, [{ hostIp: '127.0.0.1', hostPort: 8080, containerPort: 80, protocol: 'tcp' }]);
    assert.deepEqual(c.env, ['GREETING=hello', 'NODE=rift']);
    assert.deepEqual(c.vars, {
      env: { 'node.name': 'rift', 'var.greeting': 'hello' },
      image: { 'var.tag': 'v1' },
      ports: { 'var.port': '8080' },
    });
  });

  it('a defined value wins over the default', () => {
    const c = component(load([web()], [nodeFile('rift', { tag: 'v1', port: '9090', greeting: 'hi' })]));
    assert.equal(c.ports[0].hostPort, 9090);
    assert.deepEqual(c.env, ['GREETING=hi', 'NODE=rift']);
  });

  it('an undefined variable on the agent’s own node is an error at its line and column, naming it', () => {
    const r = load([web()], [], agent('rift', {}));
    assert.deepEqual(lines(r), [
      'services/web.toml:7:1 components[0].image: undefined variable var.tag (node rift); ' +
        "hint: set it in nodes/rift.toml or the agent's [vars], or give a default: ${var.tag:-VALUE}",
    ]);
  });

  it('never resolves an undefined variable to an empty string: the final values are what is checked', () => {
    const r = load([web()], [nodeFile('rift', { tag: 'v1', port: 'http' })], agent('rift', {}));
    assert.deepEqual(lines(r), [
      "services/web.toml:8:10 components[0].ports[0]: '127.0.0.1:http:80': port spec must be [ip:]host:container[/tcp|udp]",
    ]);
  });

  it('the repository’s value wins over the agent’s, unless the agent marks its variable local', () => {
    const repo = [nodeFile('rift', { tag: 'v1', port: '9000' })];
    const view = agent('rift', { tag: 'v9', port: { value: '9999', local: true }, greeting: 'agent' });
    const c = component(load([web()], repo, view));
    assert.equal(c.image, 'localhost/web:v1');
    assert.equal(c.ports[0].hostPort, 9999);
    assert.deepEqual(c.env, ['GREETING=agent', 'NODE=rift']);
    const plain = component(load([web()], repo, agent('rift', { port: { value: '9999' } })));
    assert.equal(plain.ports[0].hostPort, 9000, 'without local = true the repository wins');
  });

  it('the agent’s variables count for its own node only', () => {
    const r = load([web('"orion"')], [], agent('rift', { tag: 'v1' }));
    assert.equal(r.ok, true, lines(r).join('\n'));
    assert.deepEqual(r.ok ? r.unchecked?.map((u) => [u.node, u.vars.map((v) => v.name)]) : [], [
      ['orion', ['var.tag']],
    ]);
    assert.deepEqual(
      r.ok ? r.revision.services : [null],
      [],
      'another node’s file it cannot resolve is left out',
    );
  });

  it('without an agent (the CLI) a variable the repository lacks is reported as unknown here, not as an error', () => {
    const r = load([web()]);
    assert.equal(r.ok, true, lines(r).join('\n'));
    assert.deepEqual(r.ok ? r.unchecked : [], [
      {
        file: 'services/web.toml',
        node: 'rift',
        service: 'web',
        vars: [{ name: 'var.tag', line: 7, column: 1, path: 'components[0].image' }],
      },
    ]);
  });

  it('$${ is a literal ${, and any other ${...} is an error rather than text', () => {
    const cmd = 'cmd = ["sh", "-c", "echo $${HOME} $$ $HOME ${var.tag}"]';
    const c = component(load([web('"rift"', cmd)], [nodeFile('rift', { tag: 'v1' })]));
    assert.deepEqual(c.cmd, ['sh', '-c', 'echo ${HOME} $$ $HOME v1']);
    const bad = load([web('"rift"', 'cmd = ["${HOME}", "${var.tag"]')], [nodeFile('rift', { tag: 'v1' })]);
    assert.deepEqual(lines(bad), [
      "services/web.toml:10:8 components[0].cmd[0]: unknown variable reference '${HOME}': use ${node.name} or ${var.NAME}; hint: write $${ for a literal ${",
      "services/web.toml:10:19 components[0].cmd[1]: unclosed variable reference '${var.tag'; hint: write $${ for a literal ${",
    ]);
  });

  it('a default is plain text up to the first }: no reference inside it, an empty one allowed', () => {
    const svc = (env: string) =>
      file(
        'services/env.toml',
        `name = "env"\nnode = "rift"\n[[components]]\nname = "main"\nimage = "localhost/env:v1"\nenv = [${env}]\n`,
      );
    const c = component(load([svc('"A=${var.a:-x:y/z}", "B=${var.b:-}"')]));
    assert.deepEqual(c.env, ['A=x:y/z', 'B=']);
    assert.deepEqual(lines(load([svc('"C=${var.c:-${var.a}}"')])), [
      "services/env.toml:6:8 components[0].env[0]: a default cannot hold a reference: '${var.c:-${var.a}'; hint: write $${ for a literal ${",
    ]);
  });

  it('leaves keys, numbers, booleans, name and node alone', () => {
    const health = '[components.health]\ncmd = ["test", "${node.name}"]\ninterval = 0x5\n';
    const c = component(load([web('"rift"', health)], [nodeFile('rift', { tag: 'v1' })]));
    assert.deepEqual(c.health?.probe, { kind: 'cmd', cmd: ['test', 'rift'] });
    assert.equal(c.health?.interval, 5);
    const named = load(
      [file('services/web.toml', web('"${node.name}"').text)],
      [nodeFile('rift', { tag: 'v1' })],
      agent('rift', {}),
    );
    assert.equal(named.ok, false);
    assert.match(lines(named).join('\n'), /^services\/web\.toml:2:1 node: /);
  });

  it('one file for a list of nodes is one spec per node, each with its own values, conflicts checked per node', () => {
    const nodes = [nodeFile('rift', { tag: 'v1', port: '8081' }), nodeFile('orion', { tag: 'v2' })];
    const r = load([web('["rift", "orion"]')], nodes);
    assert.equal(component(r, 'rift').image, 'localhost/web:v1');
    assert.equal(component(r, 'orion').image, 'localhost/web:v2');
    assert.equal(component(r, 'orion').ports[0].hostPort, 8080);
    assert.deepEqual(component(r, 'orion').env, ['GREETING=hello', 'NODE=orion']);
    const clash = file(
      'services/db.toml',
      'name = "db"\nnode = "rift"\n[[components]]\nname = "main"\nimage = "localhost/db:v1"\nports = ["8081:5432"]\n',
    );
    assert.deepEqual(lines(load([web('["rift", "orion"]'), clash], nodes)), [
      'services/web.toml:8:10 components[0].ports[0]: host port 127.0.0.1:8081/tcp on node rift is already published by db/main (services/db.toml:6)',
    ]);
  });

  it('reports an invalid node file at its line', () => {
    const r = load([web()], [file('nodes/rift.toml', '[vars]\ntag = 1\n')]);
    assert.deepEqual(
      lines(r).map((l) => l.split(':').slice(0, 3).join(':')),
      ['nodes/rift.toml:2:1 vars.tag'],
    );
  });
});

describe('the agent config’s [vars]', () => {
  const config = (vars: string) =>
    parseAgentConfig(
      '/etc/mcp/mcp-agent.toml',
      `node = "rift"\n[vars]\n${vars}\n[source]\npath = "/srv/repo"\n`,
    );
  const problems = (vars: string): string[] => {
    try {
      config(vars);
    } catch (err) {
      return (err as { data: { errors: string[] } }).data.errors;
    }
    return [];
  };

  it('takes plain values and { value, local } tables; none at all is an empty table', () => {
    const plain = (v: unknown) => JSON.parse(JSON.stringify(v));
    assert.deepEqual(plain(config('tag = "v1"\ndb = { value = "10.0.0.5", local = true }').vars), {
      tag: 'v1',
      db: { value: '10.0.0.5', local: true },
    });
    assert.deepEqual(
      plain(
        parseAgentConfig('/etc/mcp/mcp-agent.toml', 'node = "rift"\n[source]\npath = "/srv/repo"\n').vars,
      ),
      {},
    );
  });

  it('names what is wrong, at its line, once', () => {
    assert.deepEqual(problems('"bad-name" = "x"'), [
      "/etc/mcp/mcp-agent.toml:2:1 vars: 'bad-name': a variable name is letters, digits and underscores, not starting with a digit",
    ]);
    assert.deepEqual(problems('tag = 1'), [
      '/etc/mcp/mcp-agent.toml:3:1 vars.tag: tag must be a string or an object, not a number',
    ]);
    assert.deepEqual(problems('db = { value = "x", locl = true }'), [
      "/etc/mcp/mcp-agent.toml:3:21 vars.db.locl: unknown key 'locl' (did you mean 'local'?)",
    ]);
  });
});

describe('a variable as the cause of a change', () => {
  const resolved = (tag: string) =>
    component(load([web()], [nodeFile('rift', { tag, port: '8080', greeting: 'hello' })]));

  it('names the variable whose change made the field change', () => {
    const changes = diffSpecs(resolved('v1'), resolved('v2'));
    assert.deepEqual(changes.map(changeText), [
      'image: localhost/web:v1 -> localhost/web:v2 (var.tag: v1 -> v2)',
    ]);
  });

  it('a spec resolved from variables hashes as the same spec written out', () => {
    const written = component(
      load([
        file(
          'services/web.toml',
          web()
            .text.replace('${var.tag}', 'v1')
            .replace('${var.port:-8080}', '8080')
            .replace('${node.name}', 'rift')
            .replace('${var.greeting:-hello}', 'hello'),
        ),
      ]),
    );
    assert.equal(written.vars, undefined);
    assert.equal(specHash(resolved('v1')), specHash(written));
  });
});
