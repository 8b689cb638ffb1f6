/**
 * `pull = "missing" | "always" | "newer"`: what the service file may say, what the spec hash
 * covers, how the pass pins a `newer` tag's image id into the spec, and what the planner does
 * when that id moves (a recreate that is no drift) or when a rollback runs an id the tag left.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { digestsOf, registryOf } from '../../src/adapters/podman/translate.js';
import { locate } from '../../src/adapters/registry/digest.js';
import { specHash } from '../../src/domain/hash.js';
import { followedImages, pinImages } from '../../src/domain/pin-images.js';
import { plan } from '../../src/domain/plan.js';
import type { ComponentSpec } from '../../src/domain/spec.js';
import { parseAgentConfig } from '../../src/validate/agent-config.js';
import { loadRevisionFromFiles } from '../../src/validate/load.js';
import { component, entryOf, instanceOf, service } from '../support/plan-builders.js';

const file = (body: string) => ({
  path: 'services/web.toml',
  text: `name = "web"\nnode = "rift"\n[[components]]\nname = "api"\n${body}\n`,
});

describe('pull in the service file', () => {
  it('normalises missing to absent and keeps always and newer', () => {
    const pulls = ['', 'pull = "missing"', 'pull = "always"', 'pull = "newer"'].map((line) => {
      const result = loadRevisionFromFiles([file(`image = "mcr.example/api:v1"\n${line}`)]);
      assert.ok(result.ok, JSON.stringify(!result.ok && result.errors));
      return result.revision.services[0].components[0].pull;
    });
    assert.deepEqual(pulls, [undefined, undefined, 'always', 'newer']);
  });

  it('rejects an unknown policy and a pull on a unikernel, each at its line', () => {
    const bad = loadRevisionFromFiles([file('image = "mcr.example/api:v1"\npull = "latest"')]);
    assert.equal(bad.ok, false);
    assert.match(
      !bad.ok ? `${bad.errors[0].line} ${bad.errors[0].path} ${bad.errors[0].message}` : '',
      /^6 components\[0\]\.pull .*missing.*always.*newer/,
    );
    const vm = loadRevisionFromFiles([
      file('kind = "unikernel"\nimage = "/var/lib/mcp/echo.img"\npull = "newer"'),
    ]);
    assert.equal(vm.ok, false);
    assert.match(
      !vm.ok ? vm.errors.map((e) => e.message).join('; ') : '',
      /'pull' does not apply to unikernel/,
    );
  });
});

describe('the spec hash', () => {
  it('leaves the pull policy out (changing it recreates nothing) and covers a pinned image id', () => {
    const bare = component('web', 'api');
    assert.equal(specHash({ ...bare, pull: 'newer' }), specHash(bare));
    assert.equal(specHash({ ...bare, pull: 'always' }), specHash(bare));
    assert.notEqual(specHash({ ...bare, imageId: 'sha256:aa' }), specHash({ ...bare, imageId: 'sha256:bb' }));
  });
});

describe('pinImages', () => {
  const newer = component('web', 'api', { pull: 'newer' });
  const plain = component('web', 'db');
  const services = [service('web', [newer, plain]), service('far', ['x'], { node: 'vade' })];

  it('pins only newer containers of the node to the local id of their tag', () => {
    const pinned = pinImages(services, 'rift', { [newer.image]: 'sha256:aa', [plain.image]: 'sha256:cc' });
    assert.equal(pinned[0].components[0].imageId, 'sha256:aa');
    assert.equal(pinned[0].components[1], plain);
    assert.equal(pinned[1], services[1]);
  });

  it('gives the same object for the same id, so its hash is computed once per pin', () => {
    const a = pinImages(services, 'rift', { [newer.image]: 'sha256:aa' });
    const b = pinImages(services, 'rift', { [newer.image]: 'sha256:aa' });
    assert.equal(a[0].components[0], b[0].components[0]);
  });

  it('leaves a component whose image is not local unpinned (its create pulls it)', () => {
    const pinned = pinImages([service('web', [newer])], 'rift', {});
    assert.equal(pinned[0].components[0].imageId, undefined);
  });

  it('keeps the pin of a spec carried over from the applied revision (it runs what it ran)', () => {
    const kept = { ...newer, imageId: 'sha256:old' };
    const pinned = pinImages([service('web', [kept])], 'rift', { [newer.image]: 'sha256:new' });
    assert.equal(pinned[0].components[0], kept);
  });

  it('gives the same list for the same ids again, and pins anew when a tag moved', () => {
    const services = [service('web', [newer, plain])];
    const first = pinImages(services, 'rift', { [newer.image]: 'sha256:v1' });
    const again = pinImages(services, 'rift', { [newer.image]: 'sha256:v1' });
    const moved = pinImages(services, 'rift', { [newer.image]: 'sha256:v2' });
    assert.equal(again, first);
    assert.equal(moved[0].components[0].imageId, 'sha256:v2');
    assert.equal(pinImages(services, 'other', { [newer.image]: 'sha256:v2' })[0], services[0]);
  });

  it('lists the images of active newer components of the node once each', () => {
    const twin = component('web', 'api2', { pull: 'newer', image: newer.image });
    const off = service('off', [component('off', 'x', { pull: 'newer' })], { active: false });
    assert.deepEqual(followedImages([service('web', [newer, twin, plain]), off], 'rift'), [newer.image]);
  });
});

describe('planning a moved tag', () => {
  const spec: ComponentSpec = { ...component('web', 'api', { pull: 'newer' }), imageId: 'sha256:v1' };
  const running = instanceOf(spec, { imageId: 'sha256:v1' });

  it('recreates when the tag names a newer image, as a rollout and not as drift', () => {
    const moved = { ...spec, imageId: 'sha256:v2' };
    const p = plan({
      node: 'rift',
      services: [service('web', [moved])],
      observed: { instances: [running], images: { [spec.image]: 'sha256:v2' } },
      inventory: [entryOf(spec)],
    });
    const [action] = p.stages.flat();
    assert.equal(action.kind, 'recreate');
    assert.equal(action.reason, 'its tag names a newer image (pull = "newer")');
    assert.equal(action.drift, undefined);
    assert.deepEqual(action.changes, [{ field: 'imageId', from: 'sha256:v1', to: 'sha256:v2' }]);
  });

  it('keeps a rolled-back instance on the id its spec names although the tag moved on', () => {
    const p = plan({
      node: 'rift',
      services: [service('web', [spec])],
      observed: { instances: [running], images: { [spec.image]: 'sha256:v2' } },
      inventory: [entryOf(spec)],
    });
    assert.equal(p.stages.flat()[0].kind, 'unchanged');
  });
});

describe('registry references', () => {
  it('locates a tag on its registry, Docker Hub and insecure loopback registries included', () => {
    assert.deepEqual(locate('busybox'), {
      base: 'https://registry-1.docker.io',
      name: 'library/busybox',
      tag: 'latest',
    });
    assert.deepEqual(locate('docker.io/team/app:v2'), {
      base: 'https://registry-1.docker.io',
      name: 'team/app',
      tag: 'v2',
    });
    assert.deepEqual(locate('127.0.0.1:5000/x/app:v1', ['127.0.0.1:5000']), {
      base: 'http://127.0.0.1:5000',
      name: 'x/app',
      tag: 'v1',
    });
    assert.equal(registryOf('127.0.0.1:5000/x/app:v1'), '127.0.0.1:5000');
    assert.equal(registryOf('busybox:1'), 'docker.io');
  });

  it("keeps only the digests of the reference's own repository", () => {
    const refs = [
      '127.0.0.1:5000/x/app@sha256:aa',
      'localhost/other@sha256:bb',
      '127.0.0.1:5000/x/app@sha256:cc',
    ];
    assert.deepEqual(digestsOf(refs, '127.0.0.1:5000/x/app:v1'), ['sha256:aa', 'sha256:cc']);
    assert.deepEqual(digestsOf(['docker.io/library/busybox@sha256:dd'], 'busybox:1'), ['sha256:dd']);
  });
});

describe('[images] of the agent config', () => {
  it('checks every 300 s by default and refuses a URL where a registry host belongs, at its line', () => {
    const base = 'node = "a"\nstate_dir = "/tmp/s"\n[source]\npath = "/tmp/r"\n';
    assert.deepEqual(parseAgentConfig('/etc/mcp/a.toml', base).images, {
      check_interval: 300,
      insecure_registries: [],
    });
    assert.throws(
      () =>
        parseAgentConfig(
          '/etc/mcp/a.toml',
          `${base}[images]\ninsecure_registries = ["http://127.0.0.1:5000"]\n`,
        ),
      /a\.toml:6:24 images\.insecure_registries\[0\]: 'http:\/\/127\.0\.0\.1:5000'/,
    );
  });
});
