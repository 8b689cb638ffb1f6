import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

const AGENT = join(import.meta.dirname, '../../src/agent/main.js');
const agent = (...args: string[]) => spawnSync(process.execPath, [AGENT, ...args], { encoding: 'utf8' });

test('an unknown option is a usage error (64) with the usage and no stack trace', () => {
  const r = agent('reconcile', '--bogus');
  assert.equal(r.status, 64);
  assert.match(r.stderr, /^mcp-agent: Unknown option '--bogus'/);
  assert.match(r.stderr, /usage: mcp-agent run --config FILE/);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
});

test('a missing command or config is a usage error', () => {
  assert.equal(agent('reconcile', '--once').status, 64);
  assert.equal(agent('--config', 'x.toml').status, 64);
});

test('an invalid config file exits 78 naming the file, line and field', () => {
  const r = agent(
    'reconcile',
    '--once',
    '--config',
    join(import.meta.dirname, '../../../examples/demo/services/dns.toml'),
  );
  assert.equal(r.status, 78);
  assert.match(r.stderr, /invalid agent config .*dns\.toml/);
  assert.match(r.stderr, /dns\.toml:\d+:\d+ .*unknown key/);
});

test('--help prints the usage and exits 0', () => {
  const r = agent('--help');
  assert.equal(r.status, 0);
  assert.match(r.stdout, /mcp-agent reconcile --once --config FILE/);
});

test('an allowed signers file that cannot be read or lists no key stops start-up with 78, naming it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-verify-cli-'));
  try {
    const config = join(dir, 'mcp-agent.toml');
    const write = (signers: string) =>
      writeFileSync(
        config,
        `node = "v"\nstate_dir = "${dir}/state"\n[source]\nurl = "http://127.0.0.1:9/s.git"\n[source.verify]\nmode = "ssh"\nallowed_signers = "${signers}"\n`,
      );
    write('missing');
    const missing = agent('reconcile', '--once', '--config', config);
    assert.equal(missing.status, 78);
    assert.match(missing.stderr, /source\.verify: cannot read .*missing: ENOENT/);
    assert.doesNotMatch(missing.stderr, /\n\s+at /);
    writeFileSync(join(dir, 'empty'), '# nobody yet\n');
    write('empty');
    const empty = agent('reconcile', '--once', '--config', config);
    assert.equal(empty.status, 78);
    assert.match(empty.stderr, /empty lists no signer for the git namespace/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
