/**
 * The config `mcp-agent init` writes is one the agent reads back as given: strings with quotes,
 * backslashes and non-ASCII survive the TOML, and the tokens are kept as digests only.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tokenDigest } from '../../src/agent/api/auth.js';
import { initConfigText } from '../../src/agent/init-config.js';
import { parseAgentConfig } from '../../src/validate/agent-config.js';

describe('the config mcp-agent init writes', () => {
  it('reads back with every value as given, valid against the schema', () => {
    const settings = {
      node: 'rift',
      source: 'https://git.example/ops/"odd"\\repo-é.git',
      branch: 'release/1',
      stateDir: '/var/lib/mcp "state"',
      socket: '/run/podman/podman.sock',
      listen: '0.0.0.0:7410',
      webhookSecretFile: '/etc/mcp/webhook.secret',
    };
    const tokens = [
      { name: 'operator', role: 'operate' as const, sha256: tokenDigest('op'), token: 'op' },
      { name: 'reader', role: 'read' as const, sha256: tokenDigest('rd') },
    ];
    const text = initConfigText(settings, tokens);
    const config = parseAgentConfig('/etc/mcp/mcp-agent.toml', text);
    assert.equal(config.node, 'rift');
    assert.equal(config.source.url, settings.source);
    assert.equal(config.source.branch, 'release/1');
    assert.equal(config.state_dir, settings.stateDir);
    assert.equal(config.podman.socket, settings.socket);
    assert.equal(config.api.listen, '0.0.0.0:7410');
    assert.equal(config.api.webhook_secret_file, settings.webhookSecretFile);
    assert.deepEqual(
      config.api.tokens.map((t) => ({ ...t })),
      [
        { name: 'operator', sha256: tokenDigest('op'), role: 'operate' },
        { name: 'reader', sha256: tokenDigest('rd'), role: 'read' },
      ],
    );
    assert.ok(!/\bop\b|\brd\b/.test(text.replace(/operator|operate/g, '')), 'no token in the text');
  });
});
