/**
 * Input that used to crash or stall the agent, or run with changed meaning, is a located
 * error of the revision: image references outside the distribution grammar, files and
 * revisions over the size limits, deep nesting, invalid UTF-8, NUL in what reaches the
 * kernel, and network modes that would fail at every pass.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseImageReference } from '../../src/spec/image-reference.js';
import { FILE_LIMIT_BYTES, NESTING_LIMIT, REVISION_LIMIT_BYTES } from '../../src/spec/limits.js';
import {
  formatSpecError,
  type LoadResult,
  loadRevisionFromDir,
  loadRevisionFromFiles,
} from '../../src/spec/load.js';

const svc = (component: string, name = 'a') =>
  `name = "${name}"\nnode = "rift"\n[[components]]\nname = "c"\n${component}\n`;

const lines = (r: LoadResult): string[] => {
  assert.equal(r.ok, false, 'expected the revision to be invalid');
  return r.ok ? [] : r.errors.map(formatSpecError);
};

const load = (text: string, path = 'services/a.toml') => loadRevisionFromFiles([{ path, text }]);

const dirs: string[] = [];
const scratch = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'i8a-input-'));
  dirs.push(dir);
  mkdirSync(join(dir, 'services'));
  return dir;
};
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('image references', () => {
  it('rejects what podman would redirect or misread, at the line of the image', () => {
    for (const [image, why] of [
      ['localhost/../../x:v1', "path component '..'"],
      ['localhost/./x:v1', "path component '.'"],
      ['x//y:v1', 'empty path component'],
      ['team/App:v1', "path component 'App'"],
      ['reg.example:port/app:v1', "registry port 'port'"],
    ]) {
      const [line] = lines(load(svc(`image = "${image}"`)));
      assert.match(
        line,
        /^services\/a\.toml:5:1 components\[0\]\.image: image '.*' is not a valid reference: /,
      );
      assert.ok(line.includes(why), `${image}: ${line}`);
    }
  });

  it('accepts the forms registries use', () => {
    for (const image of [
      'busybox:v1',
      'localhost/mcp-test/busybox:v1',
      'mcr.svc.mcp.metacircular.net:8443/myservice:v1.0.0',
      'reg.example/a_b__c-d---e.f/x:1.0',
      '[::1]:5000/app:v1',
      `app@sha256:${'a'.repeat(64)}`,
    ])
      assert.equal(parseImageReference(image).ok, true, image);
  });

  it('parses an adversarial name in linear time (the usual regular expression backtracks exponentially)', () => {
    // 60 characters: the nested-quantifier pattern would need about 2^60 steps to fail this.
    assert.equal(parseImageReference(`${'a'.repeat(60)}!:v1`).ok, false);
    assert.equal(parseImageReference(`reg.example/${'a-'.repeat(120)}!:v1`).ok, false);
  });
});

describe('size and nesting limits', () => {
  it('rejects a file over the per-file limit without parsing it', () => {
    const big = svc('image = "x.example/a:v1"') + `# ${'x'.repeat(FILE_LIMIT_BYTES)}\n`;
    assert.deepEqual(lines(load(big)), [
      `services/a.toml: file is ${Math.ceil(Buffer.byteLength(big) / 1024)} KiB, over the limit of 256 KiB per service file; hint: a service file describes one service; split it or move data into the service directory`,
    ]);
  });

  it('rejects a revision over the total limit, naming the file where it passes it, and reads no file', async () => {
    const dir = scratch();
    const chunk = `# ${'x'.repeat(FILE_LIMIT_BYTES - 100)}\n`;
    const count = Math.ceil(REVISION_LIMIT_BYTES / Buffer.byteLength(chunk)) + 1;
    for (let k = 0; k < count; k++)
      writeFileSync(join(dir, 'services', `s${String(k).padStart(3, '0')}.toml`), chunk);
    const errors = lines(await loadRevisionFromDir(dir));
    assert.equal(errors.length, 1);
    assert.match(
      errors[0],
      /^services\/s064\.toml: the revision's service files reach \d+ KiB here, over the limit of 16384 KiB/,
    );
  });

  it('rejects arrays nested past the limit at the bracket, instead of overflowing the stack', () => {
    const deep = `${svc('image = "x.example/a:v1"')}\n[[components]]\nname = "d"\nimage = "x.example/a:v1"\ncmd = ${'['.repeat(5000)}${']'.repeat(5000)}\n`;
    assert.deepEqual(lines(load(deep)), [
      `services/a.toml:10:${6 + NESTING_LIMIT + 1}: arrays and tables nest deeper than ${NESTING_LIMIT} levels`,
    ]);
  });

  it('does not count brackets inside strings and comments', () => {
    const text = svc(
      `image = "x.example/a:v1"\ncmd = ["${'['.repeat(100)}", '''${'{'.repeat(100)}''']\n# ${'['.repeat(100)}`,
    );
    assert.equal(load(text).ok, true);
  });
});

describe('bytes that cannot run', () => {
  it('rejects invalid UTF-8 at its line and column instead of replacing it', async () => {
    const dir = scratch();
    const [head, tail] = svc('image = "x.example/a:v1"\nenv = ["GREETING=h@llo"]').split('@');
    const text = Buffer.concat([Buffer.from(head), Buffer.from([0xe9]), Buffer.from(tail)]);
    writeFileSync(join(dir, 'services', 'a.toml'), text);
    assert.deepEqual(lines(await loadRevisionFromDir(dir)), [
      'services/a.toml:6:19: invalid UTF-8; hint: service files must be UTF-8 text',
    ]);
  });

  it('keeps a U+FFFD written as such', async () => {
    const dir = scratch();
    writeFileSync(join(dir, 'services', 'a.toml'), svc('image = "x.example/a:v1"\nenv = ["A=\uFFFD"]'));
    assert.equal((await loadRevisionFromDir(dir)).ok, true);
  });

  it('rejects a NUL in env, cmd and volumes as a validation error', () => {
    assert.deepEqual(
      lines(
        load(
          svc(
            'image = "x.example/a:v1"\nenv = ["A=x\\u0000y"]\ncmd = ["a\\u0000"]\nvolumes = ["/srv/a\\u0000:/a"]',
          ),
        ),
      ),
      [
        'services/a.toml:6:8 components[0].env[0]: env entry contains a NUL character (\\u0000)',
        'services/a.toml:7:8 components[0].cmd[0]: cmd entry contains a NUL character (\\u0000)',
        'services/a.toml:8:12 components[0].volumes[0]: volumes entry contains a NUL character (\\u0000)',
      ],
    );
  });
});

describe('network modes', () => {
  it('rejects podman modes MCP does not run, with what to use instead', () => {
    for (const mode of ['slirp4netns', 'pasta', 'bridge', 'private']) {
      const [line] = lines(load(svc(`image = "x.example/a:v1"\nnetwork = "${mode}"`)));
      assert.match(
        line,
        new RegExp(
          `^services/a\\.toml:6:1 components\\[0\\]\\.network: network '${mode}' is a podman network mode MCP does not run; hint: `,
        ),
      );
    }
  });

  it("accepts 'none' and 'host', but no ports or routes with them", () => {
    for (const mode of ['none', 'host']) {
      assert.equal(load(svc(`image = "x.example/a:v1"\nnetwork = "${mode}"`)).ok, true);
      assert.deepEqual(
        lines(load(svc(`image = "x.example/a:v1"\nnetwork = "${mode}"\nports = ["127.0.0.1:8080:80"]`))).map(
          (l) => l.split(';')[0],
        ),
        [`services/a.toml:7:1 components[0].ports: ports cannot be published with network '${mode}'`],
      );
    }
  });
});
