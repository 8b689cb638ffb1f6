/**
 * Service files are TOML 1.x (the `toml` 5.x parser): hex / octal / binary integers, dotted
 * keys, inline tables and mixed arrays are read; every malformed input is still one error at
 * the line and column of the fault, and schema errors inside dotted keys find their line.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatSpecError, type LoadResult, loadRevisionFromFiles } from '../../src/spec/load.js';

const load = (text: string, file = 'services/echo.toml'): LoadResult =>
  loadRevisionFromFiles([{ path: file, text }]);

const linesOf = (result: LoadResult): string[] => {
  assert.equal(result.ok, false, 'expected the revision to be invalid');
  return result.ok ? [] : result.errors.map(formatSpecError);
};

describe('TOML 1.x service files', () => {
  it('reads hex memory, dotted keys, an inline table of routes and a multi-line inline array', () => {
    const text = [
      'name = "echo"',
      'node = "vade"',
      '',
      '[[components]]',
      'name = "vm"',
      'kind = "unikernel"',
      'image = "/var/lib/mcp/images/echo.img"',
      'memory = 0x80            # 128 MiB',
      'cpus = 0b1',
      'ports = [',
      '  "127.0.0.1:8090:8080",  # trailing comma',
      ']',
      'routes = [{ name = "http", port = 0o17620 }]',
      '',
    ].join('\n');
    const result = load(text);
    assert.equal(result.ok, true, result.ok ? '' : result.errors.map(formatSpecError).join('\n'));
    if (!result.ok) return;
    const [vm] = result.revision.services[0].components;
    assert.equal(vm.kind === 'unikernel' && vm.memory, 128);
    assert.deepEqual(
      vm.routes.map((r) => [r.name, r.port]),
      [['http', 8080]],
    );
  });

  it('reads a dotted key as a field of its table', () => {
    const text =
      'name = "echo"\nnode = "vade"\n\n[[components]]\nname = "c"\nimage = "mcr.example:8443/c:v1"\nroutes = [{ name = "rest", port = 8443 }]\n';
    const dotted = text.replace('node = "vade"\n', 'node = "vade"\nmeta.owner = "ops"\n');
    const [line] = linesOf(load(dotted));
    assert.match(line, /^services\/echo\.toml:3:1 meta: unknown key 'meta'/);
  });
});

describe('TOML syntax errors are located at the fault', () => {
  const cases: [string, string, string][] = [
    ['an unterminated string on line 9', 'a = 1\n\n\n\n\n\n\n\nb = "abc\nc = 2\n', '9:9'],
    ['a raw newline inside a basic string', 'name = "ab\ncd"\n', '1:11'],
    ['a missing value', 'name = \n', '1:8'],
    ['two values on one line', 'name = "a" "b"\n', '1:12'],
    ['an unclosed table header', '[components\nname = "x"\n', '1:12'],
    ['an unclosed array at the end of the file', 'depends_on = ["a"\n', '2:1'],
    ['a redefined key', 'name = "a"\nname = "b"\n', '2:1'],
    ['an integer beyond 64 bits', 'memory = 99999999999999999999\n', '1:10'],
    ['a bad escape', 'name = "a\\q"\n', '1:10'],
    ['a dotted key extending an inline table', 'a = { b = 1 }\na.c = 2\n', '2:1'],
  ];
  for (const [what, text, at] of cases) {
    it(`${what}: ${at}`, () => {
      const [line] = linesOf(load(text));
      assert.match(line, new RegExp(`^services/echo\\.toml:${at}: TOML (syntax )?error: `));
      assert.doesNotMatch(line, /\n|at .*\.js/);
    });
  }

  it('names an unterminated string as such', () => {
    assert.deepEqual(linesOf(load('name = "echo\nnode = "vade"\n')), [
      'services/echo.toml:1:13: TOML syntax error: unterminated string (a basic string ends on its own line)',
    ]);
  });
});

describe('every malformed file is one located error', () => {
  const base = [
    '# a realistic file, mangled one edit at a time',
    'name = "echo"',
    'node = "vade"',
    'depends_on = ["dns"]',
    '',
    '[[components]]',
    'name = "vm"',
    'image = "mcr.example:8443/echo:v1"',
    'ports = ["127.0.0.1:8090:8080"]',
    'env = [\'A=1\', "B=2"]',
    'routes = [{ name = "http", port = 8080 }]',
    '',
  ].join('\n');
  const edits: [string, (i: number) => string][] = [
    ['cut at', (i) => base.slice(0, i)],
    ['a quote inserted at', (i) => `${base.slice(0, i)}"${base.slice(i)}`],
    ['a bracket inserted at', (i) => `${base.slice(0, i)}[${base.slice(i)}`],
    ['a newline inserted at', (i) => `${base.slice(0, i)}\n${base.slice(i)}`],
    ['an equals sign inserted at', (i) => `${base.slice(0, i)}=${base.slice(i)}`],
  ];

  it('names a line and column within the file for every edit that breaks the syntax', () => {
    const lines = base.split('\n').length + 1;
    let broken = 0;
    for (const [what, edit] of edits) {
      for (let i = 0; i <= base.length; i++) {
        const result = load(edit(i));
        if (result.ok) continue;
        const syntax = result.errors.filter((e) => /^TOML/.test(e.message));
        if (syntax.length === 0) continue;
        broken++;
        assert.equal(result.errors.length, 1, `${what} ${i}: a syntax error comes alone`);
        const [e] = syntax;
        assert.ok(
          typeof e.line === 'number' &&
            e.line >= 1 &&
            e.line <= lines &&
            typeof e.column === 'number' &&
            e.column >= 1,
          `${what} ${i}: ${formatSpecError(e)}`,
        );
      }
    }
    assert.ok(broken > 200, `only ${broken} edits broke the syntax`);
  });
});
