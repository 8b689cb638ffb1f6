// biome-ignore-all lint/suspicious/noTemplateCurlyInString: service files write ${var.NAME} in plain strings
/**
 * Per-node variables on the real thing: one service file for two nodes, whose agents share
 * one podman and follow one git repository over HTTP, runs on each node with that node's
 * image tag and host port (the repository's nodes/<node>.toml, and one node's own agent
 * config). A changed variable recreates only the instance whose final spec changed, and
 * `mcp plan` names the variable as the cause.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { reconcileOnce } from '../../src/agent/reconcile.js';
import { type Agent, wireAgent } from '../../src/agent/runtime-wiring.js';
import { run as runPlan } from '../../src/cli/commands/plan.js';
import { silentLogger } from '../../src/log.js';
import { parseAgentConfig } from '../../src/validate/agent-config.js';
import { defaultOptions } from '../support/agent-harness.js';
import { runCli } from '../support/cli.js';
import { closedPorts } from '../support/net.js';
import { podman, podmanSocket, removeContainers, requirePodman } from '../support/podman.js';
import { git, type ServicesRepo, servicesRepo } from '../support/services-repo.js';

/** Names and nodes unique to this run. */
const P = `var${process.pid.toString(36)}`;
const A = `${P}a`;
const B = `${P}b`;
const nameOn = (node: string) => `${P}-web-${node}`;

const serviceFile = `name = "${P}"
node = ["${A}", "${B}"]

[[components]]
# one podman serves both nodes here, so each node's container needs a name of its own
name = "web-\${node.name}"
image = "localhost/mcp-test/busybox:\${var.tag}"
ports = ["127.0.0.1:\${var.port}:8080"]
env = ["NODE=\${node.name}", "LITERAL=$\${HOME}"]
cmd = ["httpd", "-f", "-p", "8080", "-h", "/"]
`;

let dir = '';
let repo: ServicesRepo | undefined;
const agents: Agent[] = [];
let portA = 0;
let portB = 0;

/** An agent of `node` following the served repository, with `vars` as its config's [vars] body. */
const wire = async (node: string, vars: string): Promise<Agent> => {
  const text =
    `node = "${node}"\nstate_dir = "${dir}/state-${node}"\n[vars]\n${vars}\n` +
    `[source]\nurl = "${repo!.server.url('services.git')}"\nbranch = "main"\n` +
    `[podman]\nsocket = "${podmanSocket}"\nstop_timeout = 1\n`;
  const file = join(dir, `${node}.toml`);
  await writeFile(file, text);
  const agent = await wireAgent(parseAgentConfig(file, text), silentLogger);
  agents.push(agent);
  return agent;
};

const pass = async (agent: Agent) => {
  const report = await reconcileOnce(agent.deps, { ...defaultOptions, stopTimeoutSeconds: 1 });
  assert.equal(report.status.result, 'converged', JSON.stringify(report.status.errors));
  return report.status;
};

/** The body of GET url once the server in the container answers (it starts a moment after the container). */
const served = async (url: string): Promise<string> => {
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      const res = await fetch(url);
      return (await res.text()).trim();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
};

const inspect = async (name: string) => {
  const [c] = JSON.parse(await podman('inspect', name));
  return { id: c.Id as string, image: c.ImageName as string, env: c.Config.Env as string[] };
};

before(async () => {
  await requirePodman();
  await removeContainers(`${P}-`);
  dir = await mkdtemp(join(tmpdir(), 'mcp-vars-'));
  [portA, portB] = await closedPorts(2);
  repo = await servicesRepo(dir, {
    [`services/${P}.toml`]: serviceFile,
    [`nodes/${A}.toml`]: `[vars]\ntag = "v1"\nport = "${portA}"\n`,
    // B's port is not in the repository: only B's agent knows it
    [`nodes/${B}.toml`]: '[vars]\ntag = "v2"\n',
  });
});
after(async () => {
  for (const agent of agents) await agent.close();
  await removeContainers(`${P}-`);
  await repo?.server.close();
  await rm(dir, { recursive: true, force: true });
});

describe('per-node variables on two agents sharing one podman', () => {
  it('runs one service file on both nodes, each with its own image tag and port', async () => {
    const a = await wire(A, '');
    // a plain value is overridden by the repository (v2); port is B's own
    const b = await wire(B, `tag = "v1"\nport = "${portB}"\n`);
    assert.equal((await pass(a)).counts.created, 1);
    assert.equal((await pass(b)).counts.created, 1);

    assert.equal(await served(`http://127.0.0.1:${portA}/VERSION`), 'v1');
    assert.equal(await served(`http://127.0.0.1:${portB}/VERSION`), 'v2');
    const onA = await inspect(nameOn(A));
    const onB = await inspect(nameOn(B));
    assert.equal(onA.image, 'localhost/mcp-test/busybox:v1');
    assert.equal(onB.image, 'localhost/mcp-test/busybox:v2');
    assert.ok(onA.env.includes(`NODE=${A}`) && onA.env.includes('LITERAL=${HOME}'), onA.env.join(' '));
    assert.ok(onB.env.includes(`NODE=${B}`), onB.env.join(' '));
  });

  it('a changed variable recreates only the instance whose spec it changed, and plan names it', async () => {
    const [a, b] = agents;
    const before = { a: (await inspect(nameOn(A))).id, b: (await inspect(nameOn(B))).id };
    const base = git(repo!.clone, 'rev-parse', 'HEAD');
    await writeFile(join(repo!.clone, 'nodes', `${A}.toml`), `[vars]\ntag = "v2"\nport = "${portA}"\n`);
    git(repo!.clone, 'commit', '-qam', 'A to v2');
    // to the bare repository itself: a synchronous git cannot reach this process's server
    git(repo!.clone, 'push', '-q', repo!.bare, 'HEAD:main');

    const planned = await runCli(runPlan, ['--base', base, '--head', 'HEAD', '--no-policy'], {
      cwd: repo!.clone,
      env: {},
    });
    assert.equal(planned.code, 2);
    const text = planned.out;
    assert.match(text, new RegExp(`^${A}: 1 recreated$`, 'm'));
    assert.match(
      text,
      /image: localhost\/mcp-test\/busybox:v1 -> localhost\/mcp-test\/busybox:v2 \(var\.tag: v1 -> v2\)$/m,
    );
    assert.doesNotMatch(text, new RegExp(`^${B}:`, 'm'), `${B}'s copy needs its agent's port: not planned`);
    assert.match(planned.err, new RegExp(`not planned: services/${P}\\.toml on ${B}: .*var\\.port`));

    const onA = await pass(a);
    const onB = await pass(b);
    assert.equal(onA.counts.recreated, 1);
    assert.equal(onB.counts.recreated, 0);
    assert.equal(onB.counts.unchanged, 1);
    assert.equal(await served(`http://127.0.0.1:${portA}/VERSION`), 'v2');
    assert.notEqual((await inspect(nameOn(A))).id, before.a);
    assert.equal((await inspect(nameOn(B))).id, before.b, `${B}'s container was left alone`);
  });
});
