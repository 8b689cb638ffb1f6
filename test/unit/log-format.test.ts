/**
 * The agent's log: JSON lines where a machine reads it (stderr not a terminal), one readable
 * line per event where a person does, `[log] format` choosing explicitly.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseAgentConfig } from '../../src/agent/config.js';
import { McpError } from '../../src/domain/errors.js';
import { createLogger, type LogFormat, type LogSink } from '../../src/log.js';

const capture = (fmt: LogFormat, sink: Omit<LogSink, 'write'>): string[] => {
  const lines: string[] = [];
  const log = createLogger('info', 'agent', fmt, { ...sink, write: (l) => lines.push(l) });
  log.info('converged abc1234 in 12 ms: 1 created', {
    revision: 'abc1234',
    durationMs: 12,
    reason: 'no such container "x"',
    actions: [{ kind: 'create' }],
  });
  log.warn('source unavailable', { url: 'http://git/x' });
  log.debug('not shown at info');
  return lines;
};

describe('agent log format', () => {
  it('auto writes JSON lines when stderr is not a terminal', () => {
    const lines = capture('auto', { isTTY: false, env: {} });
    assert.equal(lines.length, 2);
    const first = JSON.parse(lines[0]);
    assert.equal(first.message, 'converged abc1234 in 12 ms: 1 created');
    assert.deepEqual(first.actions, [{ kind: 'create' }]);
    assert.equal(first.level, 'info');
    assert.equal(first.component, 'agent');
  });

  it('auto writes one coloured readable line per event on a terminal', () => {
    const [info, warn] = capture('auto', { isTTY: true, env: {} });
    const plain = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '');
    assert.match(info, /\x1b\[32mINFO /);
    assert.match(
      plain(info),
      /^\d\d:\d\d:\d\d\.\d{3} INFO {2}converged abc1234 in 12 ms: 1 created revision=abc1234 durationMs=12 reason="no such container \\"x\\""$/,
    );
    assert.match(plain(warn), / WARN {2}source unavailable url=http:\/\/git\/x$/);
  });

  it('text without colour under NO_COLOR, and json on a terminal when asked', () => {
    const [info] = capture('text', { isTTY: true, env: { NO_COLOR: '1' } });
    assert.doesNotMatch(info, /\x1b/);
    assert.match(info, / INFO {2}converged/);
    const [json] = capture('json', { isTTY: true, env: {} });
    assert.equal(JSON.parse(json).revision, 'abc1234');
  });

  it('[log] format is checked: defaults to auto, a typo is a located config error', () => {
    const base = 'node = "rift"\n[source]\npath = "x"\n';
    assert.equal(parseAgentConfig('/etc/mcp/a.toml', base).log.format, 'auto');
    assert.equal(parseAgentConfig('/etc/mcp/a.toml', `${base}[log]\nformat = "text"\n`).log.format, 'text');
    assert.throws(
      () => parseAgentConfig('/etc/mcp/a.toml', `${base}[log]\nformat = "pretty"\n`),
      (e: unknown) =>
        e instanceof McpError && e.code === 'INVALID_CONFIG' && /a\.toml:5:\d+ log\.format/.test(e.message),
    );
  });
});
