/**
 * Unikernel VMs on the isolated bridge, in a network namespace of the test's own (so the
 * machine's networking is untouched): deploy/bridge-up.sh makes the bridge there, and the
 * agent, run inside the namespace, puts each VM on it as an isolated port with a static
 * address kept per instance; the gateway reaches each VM at its address, published ports
 * come in through QEMU, and a removed VM takes its TAP with it.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tapName } from '../../src/adapters/qemu/bridge.js';
import { closedPort } from '../support/net.js';
import { podmanSocket } from '../support/podman.js';
import { killQemus } from '../support/qemu.js';

const ROOT = join(import.meta.dirname, '../../..');
const AGENT = join(ROOT, 'dist/src/agent/main.js');
const GUEST = process.env.MCP_GUEST_DIR ?? '/var/lib/mcp-test/guest';
const NS = `mcp-test-br-${process.pid}`;
/** This run's own node: the agent sees only its own instances on the shared podman. */
const NODE = `br${process.pid.toString(36)}`;

const inNs = (...args: string[]) => execFileSync('ip', ['netns', 'exec', NS, ...args], { encoding: 'utf8' });

/** The guest's page at `url`, fetched from inside the namespace, once it has booted. */
const page = async (url: string, ms = 60_000): Promise<string> => {
  const until = Date.now() + ms;
  for (;;) {
    try {
      return inNs('curl', '-fsS', '--max-time', '2', url);
    } catch (err) {
      if (Date.now() > until) throw err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
};

describe('VMs on the isolated bridge', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-agent-bridge-'));
  const services = join(dir, 'repo', 'services');
  const config = join(dir, 'mcp-agent.toml');
  const vm = (name: string, ports: string[] = []) =>
    writeFileSync(
      join(services, `${name}.toml`),
      `name = "${name}"\nnode = "${NODE}"\n[[components]]\nname = "vm"\nkind = "unikernel"\nimage = "${GUEST}"\n` +
        `memory = 128\nports = [${ports.map((p) => `"${p}"`).join(', ')}]\n`,
    );
  /** One pass of the agent inside the namespace. */
  const pass = () =>
    new Promise<{ status: { result: string; summary: string } }>((resolve, reject) => {
      const child = spawn(
        'ip',
        ['netns', 'exec', NS, process.execPath, AGENT, 'reconcile', '--once', '--json', '--config', config],
        {
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      );
      let out = '';
      child.stdout.on('data', (d) => {
        out += d;
      });
      child.on('exit', () => {
        try {
          resolve(JSON.parse(out));
        } catch (err) {
          reject(err);
        }
      });
    });

  let published: number;
  /** Each VM's address as the first pass gave it (the two creates run concurrently: either may come first). */
  let addresses: Record<string, string> = {};
  before(async () => {
    published = await closedPort();
    execFileSync('ip', ['netns', 'add', NS]);
    inNs('bash', join(ROOT, 'deploy/bridge-up.sh'));
    mkdirSync(services, { recursive: true });
    vm('alpha', [`127.0.0.1:${published}:8080`]);
    vm('beta');
    writeFileSync(
      config,
      `node = "${NODE}"\nstate_dir = "${dir}/state"\n[source]\npath = "${dir}/repo"\n` +
        `[podman]\nsocket = "${podmanSocket}"\n[admission]\nallowed_image_roots = ["${dirname(GUEST)}"]\n`,
    );
  });
  after(() => {
    killQemus(dir);
    execFileSync('ip', ['netns', 'del', NS]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('puts each VM on the bridge with its own address, reachable from the gateway', async () => {
    const first = await pass();
    assert.equal(first.status.result, 'converged');
    assert.equal(first.status.summary, '2 created');
    addresses = JSON.parse(readFileSync(join(dir, 'state', 'vms', 'addresses.json'), 'utf8'));
    assert.deepEqual(Object.keys(addresses).sort(), ['alpha-vm', 'beta-vm']);
    assert.deepEqual(
      Object.values(addresses).sort(),
      ['10.99.0.2', '10.99.0.3'],
      'the first two of the subnet',
    );
    assert.equal(await page(`http://${addresses['alpha-vm']}:8080/`), 'mcp-guest alpha-vm\n');
    assert.equal(await page(`http://${addresses['beta-vm']}:8080/`), 'mcp-guest beta-vm\n');
  });

  it('makes each TAP an isolated port of the bridge, and the host forwards nothing to or from it', () => {
    const ports: { ifname: string; master?: string; isolated?: boolean }[] = JSON.parse(
      inNs('bridge', '-d', '-j', 'link', 'show'),
    );
    for (const name of ['alpha-vm', 'beta-vm']) {
      const port = ports.find((p) => p.ifname === tapName(name));
      assert.equal(port?.master, 'mcp-br0', `${name} on the bridge`);
      assert.equal(port?.isolated, true, `${name} isolated`);
    }
    assert.match(
      inNs('nft', 'list', 'table', 'inet', 'mcp_bridge'),
      /iifname "mcp-br0" drop[\s\S]*oifname "mcp-br0" drop/,
    );
  });

  it('publishes the VM’s ports on the host through QEMU', async () => {
    assert.equal(await page(`http://127.0.0.1:${published}/`), 'mcp-guest alpha-vm\n');
  });

  it('removes a VM with its TAP, and a VM created again under that name gets its address back', async () => {
    assert.equal((await pass()).status.summary, '2 unchanged');
    unlinkSync(join(services, 'beta.toml'));
    assert.equal((await pass()).status.summary, '1 removed, 1 unchanged');
    assert.throws(() => inNs('ip', 'link', 'show', tapName('beta-vm')));
    vm('beta');
    assert.equal((await pass()).status.summary, '1 created, 1 unchanged');
    assert.equal(await page(`http://${addresses['beta-vm']}:8080/`), 'mcp-guest beta-vm\n');
  });
});
