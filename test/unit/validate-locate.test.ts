/**
 * Locating schema errors in TOML text: every table header, key and array element is found
 * at its line and column, and a path that was never written falls back to its nearest parent.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { locator, scanPositions } from '../../src/validate/locate.js';
import { formatPath, fromPointer, toPointer } from '../../src/validate/paths.js';

const text = [
  'name = "mcr" # the registry',
  "node = 'rift'",
  'depends_on = [',
  '  "mcns",  # first',
  '  "metacrypt",',
  ']',
  '',
  '[[components]]',
  'name = "api"',
  'ports = ["127.0.0.1:8443:8443", "5000:5000/udp"]',
  '',
  '[[components.routes]]',
  'name = "rest"',
  '',
  '[[components]]',
  '  name = """',
  'web',
  '"""',
  '  cmd = ["a ] b", \'c, d\', "e \\" ]"]',
  '  env = ["A=1"]',
  '',
  '[[components.routes]]',
  'name = "http"',
  'opts = { mode = "l7", list = [1, 2] }',
].join('\n');

describe('scanPositions', () => {
  const positions = scanPositions(text);
  const at = (pointer: string) => positions.get(pointer);

  it('finds top-level keys at the start of their line', () => {
    assert.deepEqual(at('/name'), { line: 1, column: 1 });
    assert.deepEqual(at('/node'), { line: 2, column: 1 });
  });

  it('finds each element of a multi-line array on its own line', () => {
    assert.deepEqual(at('/depends_on/0'), { line: 4, column: 3 });
    assert.deepEqual(at('/depends_on/1'), { line: 5, column: 3 });
  });

  it('numbers [[array of tables]] in order and records the header line', () => {
    assert.deepEqual(at('/components/0'), { line: 8, column: 1 });
    assert.deepEqual(at('/components/1'), { line: 15, column: 1 });
    assert.deepEqual(at('/components/1/name'), { line: 16, column: 3 });
  });

  it('finds the elements of a one-line array at their columns', () => {
    assert.deepEqual(at('/components/0/ports/0'), { line: 10, column: 10 });
    assert.deepEqual(at('/components/0/ports/1'), { line: 10, column: 33 });
  });

  it('nests [[components.routes]] under the latest component', () => {
    assert.deepEqual(at('/components/0/routes/0/name'), { line: 13, column: 1 });
    assert.deepEqual(at('/components/1/routes/0'), { line: 22, column: 1 });
    assert.equal(at('/components/0/routes/1'), undefined);
  });

  it('is not confused by brackets, commas and quotes inside strings', () => {
    assert.deepEqual(at('/components/1/cmd/1'), { line: 19, column: 19 });
    assert.deepEqual(at('/components/1/cmd/2'), { line: 19, column: 27 });
    assert.deepEqual(at('/components/1/env'), { line: 20, column: 3 });
  });

  it('counts lines inside multi-line strings', () => {
    assert.deepEqual(at('/components/1/cmd'), { line: 19, column: 3 });
  });

  it('records the keys and elements of inline tables', () => {
    assert.deepEqual(at('/components/1/routes/0/opts/mode'), { line: 24, column: 10 });
    assert.deepEqual(at('/components/1/routes/0/opts/list/1'), { line: 24, column: 34 });
  });
});

describe('locator', () => {
  const at = locator(text);

  it('locates a path that exists exactly', () => {
    assert.deepEqual(at(['components', 0, 'ports', 1]), { line: 10, column: 33 });
  });

  it('falls back to the nearest written ancestor for a missing key', () => {
    assert.deepEqual(at(['components', 1, 'image']), { line: 15, column: 1 });
  });

  it('falls back to the start of the file for a missing top-level key', () => {
    assert.deepEqual(at(['components_typo']), { line: 1, column: 1 });
  });

  it('finds what it can in broken text instead of throwing', () => {
    const broken = locator('[[components\nname = "x\n= = [\n{');
    assert.deepEqual(broken(['components', 0, 'name']), { line: 2, column: 1 });
    assert.deepEqual(broken(['components', 0, 'image']), { line: 1, column: 1 });
  });
});

describe('paths', () => {
  it('formats a key path the way error messages show it', () => {
    assert.equal(formatPath(['components', 0, 'ports', 1]), 'components[0].ports[1]');
    assert.equal(formatPath(['name']), 'name');
    assert.equal(formatPath([]), '');
  });

  it('reads ajv instance paths, with numbers for array indices', () => {
    assert.deepEqual(fromPointer('/components/0/env/12'), ['components', 0, 'env', 12]);
    assert.deepEqual(fromPointer(''), []);
  });

  it('round-trips keys that contain / and ~', () => {
    assert.deepEqual(fromPointer(toPointer(['a/b', 'c~d', 3])), ['a/b', 'c~d', 3]);
  });
});
