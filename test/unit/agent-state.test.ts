/**
 * Configuration and state errors are configuration errors: one line naming the file and the
 * fix, exit 78, at once; and an empty registry is never silently taken for a new one.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { openRegistry, type RegistryOrigin } from '../../src/adapters/sqljs/registry.js';

const AGENT = join(import.meta.dirname, '../../src/agent/main.js');

describe('mcp-agent start-up errors', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-state-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'services'));

  /** Runs the agent on a config with `extra` lines; the podman socket is a path nothing listens on, by default. */
  const start = (
    name: string,
    lines: string[],
    command = ['reconcile', '--once'],
    socket = join(dir, 'no-podman.sock'),
  ) => {
    const config = join(dir, `${name}.toml`);
    writeFileSync(
      config,
      [
        'node = "rift"',
        ...(lines.some((l) => l.startsWith('state_dir'))
          ? []
          : [`state_dir = "${join(dir, `${name}-state`)}"`]),
        ...lines.filter((l) => !l.includes('tls_')),
        '[source]',
        `path = "${join(dir, 'services')}"`,
        '[podman]',
        `socket = "${socket}"`,
        '[api]',
        'listen = "127.0.0.1:0"',
        ...lines.filter((l) => l.includes('tls_')),
      ].join('\n'),
    );
    const r = spawnSync(process.execPath, [AGENT, ...command, '--config', config], {
      encoding: 'utf8',
      timeout: 20_000,
      // The agent stops gracefully on SIGTERM: a hung one must be killed.
      killSignal: 'SIGKILL',
    });
    return { status: r.status, stderr: r.stderr };
  };

  const assertConfigError = (r: { status: number | null; stderr: string }, pattern: RegExp) => {
    assert.equal(r.status, 78, r.stderr);
    assert.match(r.stderr, pattern);
    assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
  };

  it('a missing TLS file', () => {
    const r = start('tls-missing', ['tls_cert = "nope.crt"', 'tls_key = "nope.key"'], ['run']);
    assertConfigError(r, /cannot read api\.tls_cert .*nope\.crt \(ENOENT\): point it at a PEM file/);
  });

  it('a garbage TLS file', () => {
    writeFileSync(join(dir, 'garbage.crt'), 'not a certificate\n');
    writeFileSync(join(dir, 'garbage.key'), 'not a key\n');
    const r = start('tls-garbage', ['tls_cert = "garbage.crt"', 'tls_key = "garbage.key"'], ['run']);
    assertConfigError(r, /api\.tls_cert .*garbage\.crt is not a certificate/);
  });

  it('a state_dir under a regular file', () => {
    writeFileSync(join(dir, 'plain-file'), '');
    const r = start('under-file', [`state_dir = "${join(dir, 'plain-file', 'state')}"`]);
    assertConfigError(
      r,
      /state_dir .*plain-file\/state is not a usable directory \(a component of the path is a file/,
    );
  });

  it('an unwritable state_dir', () => {
    const r = start('unwritable', ['state_dir = "/proc/self"']);
    assertConfigError(r, /state_dir \/proc\/self is not a usable directory/);
  });

  it('state_dir = "/proc/x" fails at once instead of spinning', () => {
    const r = start('proc', ['state_dir = "/proc/x"']);
    assertConfigError(r, /state_dir \/proc\/x is not a usable directory \(it cannot be created there\)/);
  });

  it('a VM record that is not JSON: one line naming it, and the agent exits instead of hanging', async () => {
    const vm = join(dir, 'broken-vm-state', 'vms', 'web-main');
    mkdirSync(vm, { recursive: true });
    writeFileSync(join(vm, 'vm.json'), '{"id": "x", torn');
    // A registry there already: a new one would be announced on a line of its own.
    const registry = await openRegistry(join(dir, 'broken-vm-state', 'registry.db'));
    await registry.flush();
    registry.close();
    // A podman whose event stream opens and stays open: an agent that left it open would never exit.
    const socket = join(dir, 'stream-podman.sock');
    const podman = spawn(
      process.execPath,
      [
        '-e',
        `require('node:http').createServer((req, res) => {
          res.writeHead(200, { 'content-type': 'application/json' });
          if (req.url.includes('/events')) res.flushHeaders(); else res.end(req.url.includes('/json') ? '[]' : '{}');
        }).listen(process.argv[1], () => console.log('listening'));`,
        socket,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      await once(podman.stdout!, 'data');
      for (const command of [['reconcile', '--once'], ['run']]) {
        const r = start('broken-vm', [`state_dir = "${join(dir, 'broken-vm-state')}"`], command, socket);
        assertConfigError(r, /vms\/web-main\/vm\.json is not a VM record \(.*\): stop that VM's QEMU/);
      }
    } finally {
      podman.kill('SIGKILL');
    }
    assert.equal(readFileSync(join(vm, 'vm.json'), 'utf8'), '{"id": "x", torn');
  });

  it('a registry file that is not a database, which is left as it was', () => {
    const state = join(dir, 'garbage-state');
    mkdirSync(state);
    writeFileSync(join(state, 'registry.db'), 'this is not sqlite '.repeat(100));
    const r = start('garbage-registry', [`state_dir = "${state}"`]);
    assertConfigError(
      r,
      /registry\.db is not an MCP registry \(file is not a database\): restore it from a backup/,
    );
    assert.equal(readFileSync(join(state, 'registry.db'), 'utf8'), 'this is not sqlite '.repeat(100));
  });
});

describe('an empty registry file', () => {
  it('is kept aside and the new registry says so, instead of passing for a new one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcp-registry-'));
    try {
      writeFileSync(join(dir, 'registry.db'), '');
      let origin: RegistryOrigin | undefined;
      const store = await openRegistry(join(dir, 'registry.db'), (o) => {
        origin = o;
      });
      assert.equal(origin?.kind, 'reset');
      const aside = readdirSync(dir).filter((n) => n.startsWith('registry.db.empty-'));
      assert.equal(aside.length, 1);
      assert.deepEqual(
        store.events(10).map((e) => [e.kind, e.message]),
        [['registry', 'the registry file was empty: started from nothing, the empty file kept aside']],
      );
      store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
