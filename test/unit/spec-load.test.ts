/**
 * Loading a revision: a valid repository becomes normalised specs; an invalid one yields
 * every error at once, each with file, line, column, path and a message a person can act on.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import fsp from 'node:fs/promises';
import { syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, mock } from 'node:test';
import { fileURLToPath } from 'node:url';
import { McpError } from '../../src/domain/errors.js';
import {
  formatSpecError,
  invalidSpecError,
  type LoadResult,
  loadRevisionFromDir,
  loadRevisionFromFiles,
  type SpecError,
} from '../../src/spec/load.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const image = 'mcr.example:8443/app:v1.0.0';

const errorsOf = (result: LoadResult): SpecError[] => {
  assert.equal(result.ok, false, 'expected the revision to be invalid');
  return result.ok ? [] : result.errors;
};
const linesOf = (result: LoadResult): string[] => errorsOf(result).map(formatSpecError);

const service = (name: string, body = '', node = 'rift') =>
  `name = "${name}"\nnode = "${node}"\n${body}\n[[components]]\nname = "main"\nimage = "${image}"\n`;

describe('loadRevisionFromDir on the examples', () => {
  it('accepts examples/services with every service normalised and sorted', async () => {
    const result = await loadRevisionFromDir(join(root, 'examples/services'));
    assert.equal(result.ok, true, result.ok ? '' : result.errors.map(formatSpecError).join('\n'));
    if (!result.ok) return;
    const names = result.revision.services.map((s) => s.name);
    assert.deepEqual(names, [...names].sort());
    assert.ok(names.includes('mcns') && names.includes('mcr') && names.includes('echo'));
    assert.equal(result.revision.services.find((s) => s.name === 'mcr')?.file, 'services/mcr.toml');
    assert.equal(result.revision.services.find((s) => s.name === 'pastebin-legacy')?.active, false);
    const vm = result.revision.services.flatMap((s) => s.components).find((c) => c.kind === 'unikernel');
    assert.equal(vm?.image.startsWith('/'), true);
  });

  const cases = readdirSync(join(root, 'examples/invalid'), { withFileTypes: true }).filter((e) =>
    e.isDirectory(),
  );
  for (const name of cases.map((e) => e.name).sort()) {
    it(`reports exactly the expected errors of examples/invalid/${name}`, async () => {
      const dir = join(root, 'examples/invalid', name);
      const expected = readFileSync(join(dir, 'expected.txt'), 'utf8').trimEnd().split('\n');
      assert.deepEqual(linesOf(await loadRevisionFromDir(dir)), expected);
    });
  }
});

describe('loadRevisionFromDir', () => {
  const scratch = () => mkdtempSync(join(tmpdir(), 'mcp-spec-'));

  it('reads DIR/*.toml when DIR has no services/ directory, naming files relative to DIR', async () => {
    const dir = scratch();
    writeFileSync(join(dir, 'bad.toml'), service('good'));
    writeFileSync(join(dir, 'notes.md'), 'not a service');
    assert.deepEqual(
      errorsOf(await loadRevisionFromDir(dir)).map((e) => e.file),
      ['bad.toml'],
    );
  });

  it('reads only services/*.toml when services/ exists', async () => {
    const dir = scratch();
    mkdirSync(join(dir, 'services'));
    writeFileSync(join(dir, 'services', 'a.toml'), service('a'));
    writeFileSync(join(dir, 'stray.toml'), 'not = [valid');
    const result = await loadRevisionFromDir(dir);
    assert.equal(result.ok && result.revision.services[0].file, 'services/a.toml');
  });

  it('accepts an empty directory as a revision without services, with a warning', async () => {
    const dir = scratch();
    const result = await loadRevisionFromDir(dir);
    assert.deepEqual(result, {
      ok: true,
      revision: { services: [] },
      warnings: [`no services/ directory in ${dir}: the revision has zero services`],
    });
  });

  it('throws NOT_FOUND for a directory that does not exist', async () => {
    await assert.rejects(
      loadRevisionFromDir('/nonexistent/mcp'),
      (e) => e instanceof McpError && e.code === 'NOT_FOUND',
    );
  });

  it('reports a link to a directory, a dangling link and a link out of the repository, with the other errors', async () => {
    const outside = scratch();
    writeFileSync(join(outside, 'x.toml'), service('x'));
    const dir = scratch();
    mkdirSync(join(dir, 'services'));
    mkdirSync(join(dir, 'services', 'sub'));
    writeFileSync(join(dir, 'services', 'bad.toml'), 'name = ');
    symlinkSync('sub', join(dir, 'services', 'dir.toml'));
    symlinkSync('missing.toml', join(dir, 'services', 'gone.toml'));
    symlinkSync(join(outside, 'x.toml'), join(dir, 'services', 'x.toml'));
    symlinkSync('../../', join(dir, 'services', 'up.toml'));
    assert.deepEqual(
      errorsOf(await loadRevisionFromDir(dir))
        .filter((e) => e.file !== 'services/bad.toml')
        .map(formatSpecError),
      [
        'services/dir.toml: is a directory',
        'services/gone.toml: dangling symbolic link',
        'services/up.toml: symbolic link leaves the repository; hint: only links to files inside the repository are followed',
        'services/x.toml: symbolic link leaves the repository; hint: only links to files inside the repository are followed',
      ],
    );
  });

  it('follows a link to a file inside the repository, naming the link', async () => {
    const dir = scratch();
    mkdirSync(join(dir, 'services'));
    mkdirSync(join(dir, 'shared'));
    writeFileSync(join(dir, 'shared', 'a.toml'), service('a'));
    symlinkSync('../shared/a.toml', join(dir, 'services', 'a.toml'));
    const result = await loadRevisionFromDir(dir);
    assert.equal(result.ok && result.revision.services[0].file, 'services/a.toml');
  });

  it('reports a services/ directory that links out of the repository', async () => {
    const outside = scratch();
    writeFileSync(join(outside, 'x.toml'), service('x'));
    const dir = scratch();
    symlinkSync(outside, join(dir, 'services'));
    assert.deepEqual(errorsOf(await loadRevisionFromDir(dir)).map(formatSpecError), [
      'services: symbolic link leaves the repository; hint: only links to files inside the repository are followed',
    ]);
  });

  it('reports a file it cannot read, and does not call the service it defines missing', async () => {
    const dir = scratch();
    writeFileSync(join(dir, 'a.toml'), service('a', 'depends_on = ["b"]'));
    writeFileSync(join(dir, 'b.toml'), service('b'));
    const real = fsp.readFile;
    const denied = mock.method(fsp, 'readFile', (path: string, ...rest: unknown[]) =>
      String(path).endsWith('b.toml')
        ? Promise.reject(Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' }))
        : (real as (...args: unknown[]) => Promise<unknown>)(path, ...rest),
    );
    syncBuiltinESMExports();
    try {
      assert.deepEqual(linesOf(await loadRevisionFromDir(dir)), ['b.toml: cannot read: EACCES']);
    } finally {
      denied.mock.restore();
      syncBuiltinESMExports();
    }
  });

  it('reports a services/ directory it cannot list', async () => {
    const dir = scratch();
    mkdirSync(join(dir, 'services'));
    const denied = mock.method(fsp, 'readdir', () =>
      Promise.reject(Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' })),
    );
    syncBuiltinESMExports();
    try {
      assert.deepEqual(linesOf(await loadRevisionFromDir(dir)), ['services: cannot read: EACCES']);
    } finally {
      denied.mock.restore();
      syncBuiltinESMExports();
    }
  });
});

describe('loadRevisionFromFiles: syntax and schema', () => {
  it('locates a TOML syntax error at the parser position', () => {
    const [e] = errorsOf(loadRevisionFromFiles([{ path: 'services/a.toml', text: 'name = "a"\nnode = \n' }]));
    assert.equal(e.file, 'services/a.toml');
    assert.equal(e.line, 2);
    assert.match(e.message, /^TOML syntax error: unexpected/);
  });

  it('names an unknown key, suggests the near one, and does not also call it missing', () => {
    const text = 'name = "a"\nnode = "rift"\n[[components]]\nname = "m"\nimgae = "x:v1"\n';
    assert.deepEqual(linesOf(loadRevisionFromFiles([{ path: 'services/a.toml', text }])), [
      "services/a.toml:5:1 components[0].imgae: unknown key 'imgae' (did you mean 'image'?)",
    ]);
  });

  it('lists the known keys when an unknown key resembles none', () => {
    const [e] = errorsOf(
      loadRevisionFromFiles([{ path: 'services/a.toml', text: service('a', 'owner = "me"') }]),
    );
    assert.equal(e.message, "unknown key 'owner'");
    assert.match(e.hint ?? '', /^keys of the top level: name, node, active, depends_on, components$/);
  });

  it('says what form a port spec must have, at the element', () => {
    const text = service('a').replace('[[components]]', '[[components]]\nports = ["1:1", "80"]');
    assert.deepEqual(linesOf(loadRevisionFromFiles([{ path: 'services/a.toml', text }])), [
      "services/a.toml:5:17 components[0].ports[1]: '80': port spec must be [ip:]host:container[/tcp|udp]",
    ]);
  });

  it('reports wrong types, enums and limits in words', () => {
    const text = service('a', 'active = "yes"').replace(
      '[[components]]',
      '[[components]]\nrestart = "sometimes"\nmemory = 1',
    );
    const messages = errorsOf(loadRevisionFromFiles([{ path: 'services/a.toml', text }])).map(
      (e) => e.message,
    );
    assert.deepEqual(messages, [
      'active must be a boolean, not a string',
      "restart 'sometimes' is not one of 'no', 'always', 'on-failure', 'unless-stopped'",
      'memory must be >= 16, not 1',
    ]);
  });

  it('reports a service without components', () => {
    const [e] = errorsOf(
      loadRevisionFromFiles([{ path: 'services/a.toml', text: 'name = "a"\nnode = "n"\ncomponents = []' }]),
    );
    assert.equal(e.message, 'a service needs at least one [[components]] table');
    assert.equal(e.line, 3);
  });

  it('collects the errors of every file, sorted by file and line', () => {
    const files = [
      { path: 'services/b.toml', text: service('b', 'bogus = 1') },
      { path: 'services/a.toml', text: 'name = ' },
      { path: 'services/c.toml', text: service('c') },
    ];
    assert.deepEqual(
      errorsOf(loadRevisionFromFiles(files)).map((e) => e.file),
      ['services/a.toml', 'services/b.toml'],
    );
  });
});

describe('formatSpecError and invalidSpecError', () => {
  it('formats file:line:column path: message; hint', () => {
    const e = {
      file: 'services/a.toml',
      line: 3,
      column: 7,
      path: 'components[0].image',
      message: 'm',
      hint: 'h',
    };
    assert.equal(formatSpecError(e), 'services/a.toml:3:7 components[0].image: m; hint: h');
  });

  it('leaves out what is unknown', () => {
    assert.equal(formatSpecError({ file: 'services/a.toml', path: '', message: 'm' }), 'services/a.toml: m');
  });

  it('wraps the errors in an INVALID_SPEC McpError', () => {
    const err = invalidSpecError([{ file: 'f', path: '', message: 'm' }]);
    assert.equal(err.code, 'INVALID_SPEC');
    assert.equal(err.message, 'invalid revision: 1 error');
    assert.deepEqual(err.data.errors, [{ file: 'f', path: '', message: 'm' }]);
  });
});
