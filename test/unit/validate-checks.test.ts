/**
 * The semantic checks a schema cannot express: names, dependencies and cycles, host port
 * conflicts, pinned images, and what each kind of component may say.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type LoadResult, loadRevisionFromFiles, type SourceFile } from '../../src/validate/load.js';

const pinned = 'mcr.example:8443/app:v1.0.0';

interface Svc {
  name: string;
  node?: string;
  top?: string;
  components?: string[];
  file?: string;
}

/** A service file; each component body gets `name`/`image` unless it sets them itself. */
const file = ({ name, node = 'rift', top = '', components = [''], file }: Svc): SourceFile => ({
  path: file ?? `services/${name}.toml`,
  text: [
    `name = "${name}"`,
    `node = "${node}"`,
    top,
    ...components.map(
      (body, i) =>
        `[[components]]\n${body.includes('name =') ? '' : `name = "c${i}"\n`}${body.includes('image =') ? '' : `image = "${pinned}"\n`}${body}`,
    ),
  ].join('\n'),
});

const messages = (result: LoadResult): string[] => {
  assert.equal(result.ok, false, 'expected the revision to be invalid');
  return result.ok ? [] : result.errors.map((e) => e.message);
};

const valid = (result: LoadResult): void => {
  assert.equal(result.ok, true, result.ok ? '' : JSON.stringify(result.errors, null, 2));
};

describe('names', () => {
  it('requires the name to equal the file name, with a hint either way', () => {
    const result = loadRevisionFromFiles([file({ name: 'wikki', file: 'services/wiki.toml' })]);
    assert.deepEqual(messages(result), ["name 'wikki' does not match the file name 'wiki.toml'"]);
    assert.equal(
      !result.ok && result.errors[0].hint,
      'rename the file to services/wikki.toml, or set name = "wiki"',
    );
  });

  it('rejects two components of one name', () => {
    const result = loadRevisionFromFiles([file({ name: 'a', components: ['name = "x"', 'name = "x"'] })]);
    assert.deepEqual(messages(result), ["component 'x' is defined twice (also components[0])"]);
  });

  it('rejects two services of one name', () => {
    const result = loadRevisionFromFiles([
      file({ name: 'a', file: 'a.toml' }),
      file({ name: 'a', file: 'other/a.toml' }),
    ]);
    assert.deepEqual(messages(result), ["service 'a' is also defined in a.toml"]);
  });

  it('rejects two routes of one name in a component', () => {
    const routes =
      'name = "web"\n[[components.routes]]\nname = "r"\nport = 1\n[[components.routes]]\nname = "r"\nport = 2\n';
    assert.deepEqual(messages(loadRevisionFromFiles([file({ name: 'a', components: [routes] })])), [
      "route 'r' is defined twice (also routes[0])",
    ]);
  });
});

describe('instance names', () => {
  it('rejects two services whose <service>-<component> names coincide, even on other nodes', () => {
    const result = loadRevisionFromFiles([
      file({ name: 'foo', components: ['name = "bar-api"'] }),
      file({ name: 'foo-bar', node: 'vade', components: ['name = "api"'] }),
    ]);
    assert.equal(result.ok, false);
    assert.deepEqual(!result.ok && result.errors.map((e) => [e.file, e.line, e.path, e.message]), [
      [
        'services/foo.toml',
        6,
        'components[0].name',
        "instance name 'foo-bar-api' is also produced by foo-bar/api (services/foo-bar.toml:6)",
      ],
    ]);
  });

  it('counts inactive services too, and reports a service defined twice only as that', () => {
    const inactive = loadRevisionFromFiles([
      file({ name: 'a', components: ['name = "b-c"'] }),
      file({ name: 'a-b', top: 'active = false', components: ['name = "c"'] }),
    ]);
    assert.equal(messages(inactive).length, 1);
    const twice = loadRevisionFromFiles([
      file({ name: 'a', file: 'a.toml' }),
      file({ name: 'a', file: 'other/a.toml' }),
    ]);
    assert.deepEqual(messages(twice), ["service 'a' is also defined in a.toml"]);
  });

  it('allows names that only share a prefix', () => {
    valid(
      loadRevisionFromFiles([
        file({ name: 'foo', components: ['name = "bar"'] }),
        file({ name: 'foo-bar', components: ['name = "api"'] }),
      ]),
    );
  });
});

describe('dependencies', () => {
  it('accepts dependencies on services of any node', () => {
    valid(
      loadRevisionFromFiles([
        file({ name: 'a', node: 'vade', top: 'depends_on = ["b"]' }),
        file({ name: 'b' }),
      ]),
    );
  });

  it('reports a dependency on a service that does not exist', () => {
    assert.deepEqual(messages(loadRevisionFromFiles([file({ name: 'a', top: 'depends_on = ["ghost"]' })])), [
      "depends on unknown service 'ghost'",
    ]);
  });

  it('does not report a dependency on a service whose file is itself invalid', () => {
    const result = loadRevisionFromFiles([
      file({ name: 'a', top: 'depends_on = ["b"]' }),
      { path: 'services/b.toml', text: 'name = [' },
    ]);
    assert.equal(messages(result).length, 1);
    assert.equal(!result.ok && result.errors[0].file, 'services/b.toml');
  });

  it('names a service cycle once, from its smallest member', () => {
    const result = loadRevisionFromFiles([
      file({ name: 'c', top: 'depends_on = ["a"]' }),
      file({ name: 'b', top: 'depends_on = ["c"]' }),
      file({ name: 'a', top: 'depends_on = ["b"]' }),
    ]);
    assert.deepEqual(messages(result), ['dependency cycle: a -> b -> c -> a']);
    assert.equal(
      !result.ok && `${result.errors[0].file} ${result.errors[0].path}`,
      'services/a.toml depends_on[0]',
    );
  });

  it('names a service that depends on itself', () => {
    assert.deepEqual(messages(loadRevisionFromFiles([file({ name: 'a', top: 'depends_on = ["a"]' })])), [
      'dependency cycle: a -> a',
    ]);
  });

  it('checks component dependencies within the service', () => {
    const result = loadRevisionFromFiles([
      file({
        name: 'a',
        components: ['name = "web"\ndepends_on = ["api"]', 'name = "api"\ndepends_on = ["db"]'],
      }),
    ]);
    assert.deepEqual(messages(result), ["depends on unknown component 'db'"]);
  });

  it('names a component cycle', () => {
    const result = loadRevisionFromFiles([
      file({
        name: 'a',
        components: ['name = "web"\ndepends_on = ["api"]', 'name = "api"\ndepends_on = ["web"]'],
      }),
    ]);
    assert.deepEqual(messages(result), ['dependency cycle: api -> web -> api']);
  });
});

describe('host port conflicts', () => {
  const withPorts = (name: string, ports: string, node = 'rift') =>
    file({ name, node, components: [`ports = [${ports}]`] });

  it('rejects the same address, port and protocol on one node', () => {
    const result = loadRevisionFromFiles([
      withPorts('a', '"127.0.0.1:80:80"'),
      withPorts('b', '"127.0.0.1:80:8080"'),
    ]);
    assert.deepEqual(messages(result), [
      'host port 127.0.0.1:80/tcp on node rift is already published by a/c0 (services/a.toml:7)',
    ]);
  });

  it('treats no address and 0.0.0.0 as conflicting with any address', () => {
    assert.equal(
      messages(loadRevisionFromFiles([withPorts('a', '"80:80"'), withPorts('b', '"10.0.0.1:80:80"')])).length,
      1,
    );
    assert.equal(
      messages(loadRevisionFromFiles([withPorts('a', '"10.0.0.1:80:80"'), withPorts('b', '"0.0.0.0:80:80"')]))
        .length,
      1,
    );
  });

  it('rejects a conflict between two components of one service', () => {
    const result = loadRevisionFromFiles([
      file({ name: 'a', components: ['ports = ["80:80"]', 'ports = ["80:81"]'] }),
    ]);
    assert.deepEqual(messages(result), [
      'host port *:80/tcp on node rift is already published by a/c0 (services/a.toml:7)',
    ]);
  });

  it('allows the same port on different addresses, protocols or nodes', () => {
    valid(
      loadRevisionFromFiles([
        withPorts('a', '"127.0.0.1:53:53", "127.0.0.1:53:53/udp"'),
        withPorts('b', '"10.0.0.1:53:53"'),
        withPorts('c', '"53:53"', 'vade'),
      ]),
    );
  });

  it('counts inactive services too, so activating one cannot break a revision', () => {
    const result = loadRevisionFromFiles([
      withPorts('a', '"80:80"'),
      file({ name: 'b', top: 'active = false', components: ['ports = ["80:80"]'] }),
    ]);
    assert.equal(messages(result).length, 1);
  });

  it('rejects ports and addresses out of range', () => {
    assert.deepEqual(
      messages(loadRevisionFromFiles([withPorts('a', '"0:80", "80:65536", "256.0.0.1:81:81"')])),
      [
        'host port 0 is out of range 1..65535',
        'container port 65536 is out of range 1..65535',
        "'256.0.0.1' is not an IPv4 address",
      ],
    );
  });
});

describe('images', () => {
  const withImage = (img: string) =>
    loadRevisionFromFiles([file({ name: 'a', components: [`image = "${img}"`] })]);

  it('accepts a version tag, a registry with a port, and a sha256 digest', () => {
    valid(withImage('mcr.example:8443/team/app:v1.2.3'));
    valid(withImage('postgres:16.4-alpine'));
    valid(withImage(`registry.example/app@sha256:${'a'.repeat(64)}`));
  });

  it('rejects :latest and untagged images with a hint to pin', () => {
    const latest = withImage('docker.io/library/nginx:latest');
    assert.deepEqual(messages(latest), [
      "image 'docker.io/library/nginx:latest' is not pinned: ':latest' moves",
    ]);
    assert.match(!latest.ok ? (latest.errors[0].hint ?? '') : '', /docker\.io\/library\/nginx:v1\.2\.3/);
    assert.deepEqual(messages(withImage('mcr.example:8443/app')), [
      "image 'mcr.example:8443/app' has no tag",
    ]);
  });

  it('rejects a malformed digest', () => {
    assert.deepEqual(messages(withImage('app@sha256:abc')), [
      "image 'app@sha256:abc' has a malformed digest",
    ]);
  });

  it('rejects a path as a container image', () => {
    assert.deepEqual(messages(withImage('/var/lib/mcp/images/echo.img')), [
      "container image '/var/lib/mcp/images/echo.img' is a path",
    ]);
  });
});

describe('unikernels', () => {
  const vm = (body: string) =>
    loadRevisionFromFiles([file({ name: 'a', components: [`kind = "unikernel"\n${body}`] })]);

  it('accepts a bootable image path with memory, cpus and ports', () => {
    valid(vm('image = "/var/lib/mcp/images/echo.img"\nmemory = 256\ncpus = 2\nports = ["8080:80"]'));
  });

  it('requires the image to be an absolute path', () => {
    assert.deepEqual(messages(vm('image = "echo.img"')), [
      "unikernel image 'echo.img' must be an absolute path to a bootable image",
    ]);
  });

  it('rejects container-only keys on a unikernel', () => {
    assert.deepEqual(messages(vm('image = "/i.img"\nnetwork = "mcpnet"\nvolumes = ["/a:/b"]')), [
      "'network' does not apply to unikernel components",
      "'volumes' does not apply to unikernel components",
    ]);
  });

  it('rejects memory and cpus on a container', () => {
    assert.deepEqual(messages(loadRevisionFromFiles([file({ name: 'a', components: ['memory = 256'] })])), [
      "'memory' applies only to unikernel components",
    ]);
  });
});
