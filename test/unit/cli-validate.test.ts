/**
 * `mcp validate`: the summary of a valid repository, every error one per line for an invalid
 * one, JSON on request, colour only when the context allows it, and the exit codes; also
 * through the built `mcp` executable as an operator runs it.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { help, run } from '../../src/cli/commands/validate.js';
import type { CliContext } from '../../src/cli/context.js';
import { McpError } from '../../src/domain/errors.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));

const context = (color = false) => {
  const out: string[] = [];
  const err: string[] = [];
  const ctx: CliContext = { cwd: root, env: {}, out: (t) => out.push(t), err: (t) => err.push(t), color };
  return { ctx, out, err };
};

const expectedLines = (name: string): string[] =>
  readFileSync(join(root, 'examples/invalid', name, 'expected.txt'), 'utf8')
    .trimEnd()
    .split('\n');

describe('mcp validate', () => {
  it('prints the count of services and components of a valid repository and exits 0', async () => {
    const { ctx, out, err } = context();
    assert.equal(await run(['examples/services', '--no-policy'], ctx), 0);
    assert.deepEqual(out, ['valid: 9 services, 11 components']);
    assert.deepEqual(err, []);
  });

  it('validates the current directory when given none', async () => {
    const { ctx, out } = context();
    assert.equal(await run(['--no-policy'], { ...ctx, cwd: join(root, 'examples/services') }), 0);
    assert.match(out[0], /^valid: /);
  });

  it('applies the default admission policy without --policy and says so; --no-policy checks the schema alone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcp-validate-policy-'));
    try {
      mkdirSync(join(dir, 'services'));
      const file = (volumes: string) =>
        `name = "app"\nnode = "rift"\n[[components]]\nname = "main"\nimage = "registry.example/app:1"\nvolumes = [${volumes}]\n`;
      writeFileSync(join(dir, 'services', 'app.toml'), file('"/:/host"'));
      const host = context();
      assert.equal(await run([dir], host.ctx), 1);
      assert.match(
        host.err[0],
        /^services\/app\.toml:6:12 components\[0\]\.volumes\[0\]: .*\(policy: allowed_volume_roots\)/,
      );
      assert.deepEqual(host.err.slice(-2), [
        'invalid: 1 error in 1 file',
        "checked against the default admission policy; --policy FILE for a node's own",
      ]);
      const schemaOnly = context();
      assert.equal(await run([dir, '--no-policy'], schemaOnly.ctx), 0);
      assert.deepEqual(schemaOnly.out, ['valid: 1 service, 1 component']);

      writeFileSync(join(dir, 'services', 'app.toml'), file('"/run/podman/podman.sock:/run/docker.sock"'));
      const socket = context();
      assert.equal(await run([dir], socket.ctx), 1);
      assert.match(socket.err[0], /volume source '\/run\/podman\/podman\.sock' is outside the allowed roots/);

      writeFileSync(join(dir, 'services', 'app.toml'), file('"/srv/app:/data"'));
      const fine = context();
      assert.equal(await run([dir], fine.ctx), 0);
      assert.deepEqual(fine.out, [
        'valid: 1 service, 1 component',
        "checked against the default admission policy; --policy FILE for a node's own",
      ]);
      await assert.rejects(
        run([dir, '--no-policy', '--policy', 'x.toml'], context().ctx),
        /exclude each other/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('prints every error one per line on stderr, then a summary, and exits 1', async () => {
    const { ctx, out, err } = context();
    assert.equal(await run(['examples/invalid/many-errors'], ctx), 1);
    assert.deepEqual(out, []);
    const lines = err.join('\n').split('\n');
    assert.deepEqual(lines.slice(0, -2), expectedLines('many-errors'));
    assert.equal(lines.at(-2), 'invalid: 8 errors in 4 files');
  });

  it('colours errors red only when the context has colour', async () => {
    const plain = context(false);
    await run(['examples/invalid/unknown-key'], plain.ctx);
    assert.equal(plain.err.join('').includes('\x1b['), false);
    const coloured = context(true);
    await run(['examples/invalid/unknown-key'], coloured.ctx);
    assert.ok(coloured.err[0].startsWith('\x1b[31mservices/paste.toml:6:1 '));
  });

  it('prints {valid, errors} as JSON with --json, with the same exit codes', async () => {
    const bad = context();
    assert.equal(await run(['--json', 'examples/invalid/name-mismatch'], bad.ctx), 1);
    const report = JSON.parse(bad.out.join(''));
    assert.equal(report.valid, false);
    assert.deepEqual(report.errors[0], {
      file: 'services/wiki.toml',
      line: 1,
      column: 1,
      path: 'name',
      message: "name 'wikki' does not match the file name 'wiki.toml'",
      hint: 'rename the file to services/wikki.toml, or set name = "wiki"',
    });
    const good = context();
    assert.equal(await run(['examples/services', '--json', '--no-policy'], good.ctx), 0);
    assert.deepEqual(JSON.parse(good.out.join('')), {
      valid: true,
      services: 9,
      components: 11,
      errors: [],
      warnings: [],
      unchecked: [],
      policy: 'none',
    });
  });

  it('throws USAGE for an unknown flag or a second directory', async () => {
    const usage = (e: unknown) => e instanceof McpError && e.code === 'USAGE';
    await assert.rejects(run(['--jsn'], context().ctx), usage);
    await assert.rejects(run(['a', 'b'], context().ctx), usage);
  });

  it('throws NOT_FOUND for a directory that does not exist', async () => {
    await assert.rejects(
      run(['no/such/dir'], context().ctx),
      (e) => e instanceof McpError && e.code === 'NOT_FOUND',
    );
  });

  it('documents its usage and exit codes', () => {
    assert.match(help, /^usage: mcp validate \[DIR\] \[--json\]/);
    assert.match(help, /exit codes: 0 valid, 1 invalid/);
  });
});

describe('mcp validate, as a process', () => {
  const mcp = (...args: string[]) =>
    spawnSync(process.execPath, [join(root, 'dist/src/cli/main.js'), 'validate', ...args], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
    });

  it('exits 0 on the example repository', () => {
    const p = mcp('examples/services', '--no-policy');
    assert.equal(p.status, 0, p.stderr);
    assert.equal(p.stdout, 'valid: 9 services, 11 components\n');
  });

  it('exits 1 with every error on stderr for a broken repository', () => {
    const p = mcp('examples/invalid/dependency-cycle');
    assert.equal(p.status, 1);
    assert.equal(
      p.stderr,
      `${expectedLines('dependency-cycle').join('\n')}\ninvalid: 1 error in 1 file\n` +
        "checked against the default admission policy; --policy FILE for a node's own\n",
    );
  });

  it('prints its help with --help and exits 0', () => {
    const p = mcp('--help');
    assert.equal(p.status, 0);
    assert.equal(p.stdout.trimEnd(), help);
  });
});
