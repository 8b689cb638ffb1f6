import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { tokenDigest } from '../../src/agent/api/auth.js';
import { loadCliConfig } from '../../src/cli/config.js';
import { McpError } from '../../src/domain/errors.js';
import { loadAgentConfig, parseAgentConfig } from '../../src/validate/agent-config.js';

const invalid = (text: string): string => {
  try {
    parseAgentConfig('/etc/mcp/mcp-agent.toml', text);
  } catch (err) {
    assert.ok(err instanceof McpError);
    assert.equal(err.code, 'INVALID_CONFIG');
    return err.message;
  }
  assert.fail('expected the config to be rejected');
};

test('the example agent configs are valid', async () => {
  const prod = await loadAgentConfig('examples/agent/mcp-agent.toml');
  assert.equal(prod.node, 'rift');
  assert.equal(prod.source.branch, 'main');
  assert.equal(prod.source.token_file, '/etc/mcp/git.token');
  const demo = await loadAgentConfig('examples/demo/mcp-agent.toml');
  assert.match(demo.source.path ?? '', /examples\/demo$/);
  assert.equal(
    demo.api.tokens?.[0].sha256,
    tokenDigest((await readFile('examples/demo/demo.token', 'utf8')).trim()),
  );
  const cli = await loadCliConfig('examples/cli/mcp.toml', '/home/op');
  assert.equal(cli.auth?.token_path, '/home/op/.config/mcp/token');
  assert.equal(cli.services?.dir, '/home/op/src/services');
  assert.deepEqual(
    cli.nodes?.map((n) => n.name),
    ['rift', 'vade'],
  );
  assert.match(
    (await loadCliConfig('examples/demo/mcp.toml')).auth?.token_path ?? '',
    /examples\/demo\/demo\.token$/,
  );
});

test('defaults are filled in and relative paths resolve against the file', () => {
  const c = parseAgentConfig(
    '/etc/mcp/mcp-agent.toml',
    'node = "rift"\nstate_dir = "state"\n[source]\npath = "repo"\n',
  );
  assert.equal(c.state_dir, '/etc/mcp/state');
  assert.equal(c.source.path, '/etc/mcp/repo');
  assert.equal(c.podman.socket, '/run/podman/podman.sock');
  assert.deepEqual({ ...c.policy }, { heal: true, prune: true, concurrency: 4, retries: 2 });
});

test('an unknown key is an error naming the file and line', () => {
  const message = invalid('node = "rift"\n[source]\npath = "x"\n[policy]\nheall = false\n');
  assert.match(message, /mcp-agent\.toml:5:1 policy\.heall: unknown key 'heall' \(did you mean 'heal'\?\)/);
});

test('a source needs a url or a path', () => {
  assert.match(invalid('node = "rift"\n[source]\ninterval = 5\n'), /source: needs url or path/);
});

test('a TOML syntax error names the line', () => {
  assert.match(invalid('node = "rift"\n[source\n'), /mcp-agent\.toml:2:/);
});

test('an unreadable file is a config error, not a crash', async () => {
  await assert.rejects(loadAgentConfig('/nonexistent/mcp-agent.toml'), /cannot read .*ENOENT/);
});

test('an unknown key with no near miss lists the keys of its table', () => {
  assert.match(
    invalid('node = "rift"\n[source]\npath = "x"\n[policy]\nzzz = 1\n'),
    /policy\.zzz: unknown key 'zzz'; hint: keys of policy: heal, prune, concurrency, retries/,
  );
});

test('a relative files_root resolves against the config file, like every other path', () => {
  const c = parseAgentConfig(
    '/etc/mcp/mcp-agent.toml',
    'node = "rift"\n[source]\npath = "x"\n[api]\nfiles_root = "srv"\n',
  );
  assert.equal(c.api.files_root, '/etc/mcp/srv');
});

test('tls_cert without tls_key, or the reverse, is an error, not plain HTTP', () => {
  assert.match(
    invalid('node = "rift"\n[source]\npath = "x"\n[api]\ntls_cert = "agent.crt"\n'),
    /mcp-agent\.toml:5:1 api\.tls_cert: tls_cert and tls_key go together/,
  );
  assert.match(
    invalid('node = "rift"\n[source]\npath = "x"\n[api]\ntls_key = "agent.key"\n'),
    /mcp-agent\.toml:5:1 api\.tls_key: tls_cert and tls_key go together/,
  );
});

test('two tokens with the same digest are an error naming both, not "first role wins"', () => {
  const digest = tokenDigest('shared');
  const message = invalid(
    `node = "rift"\n[source]\npath = "x"\n[[api.tokens]]\nname = "ci"\nsha256 = "${digest}"\nrole = "read"\n` +
      `[[api.tokens]]\nname = "ops"\nsha256 = "${digest}"\nrole = "operate"\n`,
  );
  assert.match(message, /mcp-agent\.toml:10:1 api\.tokens\[1\]\.sha256: the same digest as token ci/);
});

test('[source.verify] needs a git source and the key file of its mode, located', () => {
  assert.match(
    invalid('node = "rift"\n[source]\npath = "x"\n[source.verify]\nmode = "ssh"\nallowed_signers = "s"\n'),
    /mcp-agent\.toml:4:1 source\.verify: a local directory has no commits to verify/,
  );
  assert.match(
    invalid('node = "rift"\n[source]\nurl = "http://git.example/s.git"\n[source.verify]\nmode = "openpgp"\n'),
    /mcp-agent\.toml:5:1 source\.verify\.mode: mode openpgp needs keyring/,
  );
  const ok = parseAgentConfig(
    '/etc/mcp/mcp-agent.toml',
    'node = "rift"\n[source]\nurl = "http://git.example/s.git"\n[source.verify]\nmode = "ssh"\nallowed_signers = "signers"\n',
  );
  assert.equal(ok.source.verify?.allowed_signers, '/etc/mcp/signers');
  assert.equal(ok.source.verify?.require, 'tip');
});
