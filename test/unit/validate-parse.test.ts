/**
 * Parsing TOML: repeated parses of unchanged text are reused, yet a caller that fills in
 * defaults or rewrites a field cannot change what the next caller gets.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseToml, parseTomlShared } from '../../src/validate/parse.js';

const text = 'state_dir = "state"\n[source]\npath = "repo"\nports = [1, 2]\n';

/** Drops the parser's null prototypes so a value compares equal to an object literal. */
const plain = (v: unknown): unknown => JSON.parse(JSON.stringify(v));

const documentOf = (r: ReturnType<typeof parseToml>): Record<string, unknown> => {
  assert.equal(r.ok, true);
  return (r.ok ? r.value : {}) as Record<string, unknown>;
};

describe('parseToml', () => {
  it('gives each caller its own value: mutating one parse does not change the next', () => {
    const first = documentOf(parseToml('a.toml', text));
    first.state_dir = '/abs/state';
    (first.source as Record<string, unknown>).path = '/abs/repo';
    ((first.source as Record<string, unknown>).ports as number[]).push(3);
    first.added = true;
    assert.deepEqual(plain(documentOf(parseToml('a.toml', text))), {
      state_dir: 'state',
      source: { path: 'repo', ports: [1, 2] },
    });
  });

  it('does not let a mutated copy change the shared value', () => {
    const own = documentOf(parseToml('b.toml', `${text}# b\n`));
    own.state_dir = 'changed';
    assert.equal(documentOf(parseTomlShared('b.toml', `${text}# b\n`)).state_dir, 'state');
  });

  it('copies values shaped exactly like a fresh parse: tables without a prototype, dates as Dates', () => {
    const dated = `at = 2024-01-02T03:04:05Z\n${text}`;
    const own = documentOf(parseToml('e.toml', dated));
    assert.deepEqual(own, documentOf(parseTomlShared('e.toml', dated)));
    assert.equal(Object.getPrototypeOf(own.source), null);
    assert.ok(own.at instanceof Date && !Object.isFrozen(own.at));
  });
});

describe('parseTomlShared', () => {
  it('returns one deeply frozen value for identical text, so a mutation fails loudly', () => {
    const a = documentOf(parseTomlShared('c.toml', `${text}# c\n`));
    const b = documentOf(parseTomlShared('c.toml', `${text}# c\n`));
    assert.equal(a, b);
    assert.throws(() => {
      a.state_dir = 'x';
    }, TypeError);
    assert.throws(() => {
      ((a.source as Record<string, unknown>).ports as number[]).push(3);
    }, TypeError);
  });

  it('reports a syntax error at its position', () => {
    const r = parseTomlShared('d.toml', 'a = \n');
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.error.line, 1);
  });
});
