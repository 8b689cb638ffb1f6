/**
 * Normalisation: defaults are filled and every list is in one canonical order, so files
 * that mean the same thing produce equal specs (and equal spec hashes).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { specHash } from '../../src/domain/hash.js';
import type { Component } from '../../src/generated/service.js';
import {
  normaliseComponent,
  normaliseEnv,
  normaliseRevision,
  normaliseService,
  parsePortSpec,
  parseVolumeSpec,
} from '../../src/validate/normalise.js';
import type { NodeService as ServiceFile } from '../../src/validate/types.js';

const image = 'mcr.example:8443/app:v1.0.0';

describe('parsePortSpec', () => {
  it('defaults to all addresses and tcp', () => {
    assert.deepEqual(parsePortSpec('8080:80'), {
      hostIp: '',
      hostPort: 8080,
      containerPort: 80,
      protocol: 'tcp',
    });
  });

  it('reads an IPv4 address and a protocol', () => {
    assert.deepEqual(parsePortSpec('127.0.0.1:53:5353/udp'), {
      hostIp: '127.0.0.1',
      hostPort: 53,
      containerPort: 5353,
      protocol: 'udp',
    });
  });

  it('strips the brackets of an IPv6 address', () => {
    assert.equal(parsePortSpec('[::1]:8443:8443').hostIp, '::1');
  });
});

describe('parseVolumeSpec', () => {
  it('is read-write unless :ro', () => {
    assert.deepEqual(parseVolumeSpec('/srv/a:/data'), { source: '/srv/a', target: '/data', readOnly: false });
    assert.deepEqual(parseVolumeSpec('/srv/a:/data:rw'), {
      source: '/srv/a',
      target: '/data',
      readOnly: false,
    });
    assert.equal(parseVolumeSpec('/srv/a:/data:ro').readOnly, true);
  });
});

describe('normaliseEnv', () => {
  it('keeps the last entry of a repeated key and sorts by key', () => {
    assert.deepEqual(normaliseEnv(['B=2', 'A=1', 'B=3', 'A_B=x=y']), ['A=1', 'A_B=x=y', 'B=3']);
  });
});

describe('normaliseComponent', () => {
  it('fills the defaults of a container and omits absent optional fields', () => {
    const spec = normaliseComponent('app', { name: 'web', image });
    assert.deepEqual(spec, {
      service: 'app',
      name: 'web',
      kind: 'container',
      image,
      restart: 'unless-stopped',
      ports: [],
      volumes: [],
      cmd: [],
      env: [],
      dependsOn: [],
      routes: [],
    });
    assert.equal('network' in spec, false);
    assert.equal('memory' in spec, false);
  });

  it('gives a unikernel 128 MiB and one vCPU unless it says otherwise', () => {
    const vm = normaliseComponent('echo', { name: 'vm', kind: 'unikernel', image: '/img/echo.img' });
    assert.equal(vm.memory, 128);
    assert.equal(vm.cpus, 1);
    const big = normaliseComponent('echo', {
      name: 'vm',
      kind: 'unikernel',
      image: '/i',
      memory: 512,
      cpus: 2,
    });
    assert.deepEqual([big.memory, big.cpus], [512, 2]);
  });

  it('sorts ports, volumes, dependencies and routes but keeps cmd in order', () => {
    const c: Component = {
      name: 'web',
      image,
      ports: ['9000:9000', '127.0.0.1:53:53/udp', '127.0.0.1:53:53', '8000:80'],
      volumes: ['/srv/b:/z', '/srv/a:/a:ro'],
      depends_on: ['db', 'cache'],
      routes: [
        { name: 'rest', port: 8443 },
        { name: 'http', port: 80, mode: 'l7', hostname: 'x.example' },
      ],
      cmd: ['serve', '--b', '--a'],
    };
    const spec = normaliseComponent('app', c);
    assert.deepEqual(
      spec.ports.map((p) => `${p.hostIp}|${p.hostPort}/${p.protocol}`),
      ['|8000/tcp', '|9000/tcp', '127.0.0.1|53/tcp', '127.0.0.1|53/udp'],
    );
    assert.deepEqual(
      spec.volumes.map((v) => v.target),
      ['/a', '/z'],
    );
    assert.deepEqual(spec.dependsOn, ['cache', 'db']);
    assert.deepEqual(spec.routes, [
      { name: 'http', port: 80, mode: 'l7', hostname: 'x.example' },
      { name: 'rest', port: 8443, mode: 'l4' },
    ]);
    assert.deepEqual(spec.cmd, ['serve', '--b', '--a']);
  });

  it('gives equal hashes to components written in different orders', () => {
    const a = normaliseComponent('app', { name: 'web', image, env: ['B=1', 'A=2'], ports: ['2:2', '1:1'] });
    const b = normaliseComponent('app', { name: 'web', image, ports: ['1:1', '2:2'], env: ['A=2', 'B=1'] });
    assert.equal(specHash(a), specHash(b));
  });
});

describe('normaliseService and normaliseRevision', () => {
  const file: ServiceFile = {
    name: 'mcr',
    node: 'rift',
    depends_on: ['metacrypt', 'mcns'],
    components: [
      { name: 'web', image },
      { name: 'api', image },
    ],
  };

  it('defaults active to true, sorts dependencies and components, records the file', () => {
    const s = normaliseService(file, 'services/mcr.toml');
    assert.equal(s.active, true);
    assert.deepEqual(s.dependsOn, ['mcns', 'metacrypt']);
    assert.deepEqual(
      s.components.map((c) => c.name),
      ['api', 'web'],
    );
    assert.equal(s.file, 'services/mcr.toml');
  });

  it('keeps an inactive service inactive', () => {
    assert.equal(normaliseService({ ...file, active: false }, 'services/mcr.toml').active, false);
  });

  it('sorts services by name and omits the commit when there is none', () => {
    const other: ServiceFile = { name: 'alpha', node: 'vade', components: [{ name: 'x', image }] };
    const rev = normaliseRevision([
      { file: 'services/mcr.toml', service: file },
      { file: 'services/alpha.toml', service: other },
    ]);
    assert.deepEqual(
      rev.services.map((s) => s.name),
      ['alpha', 'mcr'],
    );
    assert.equal('commit' in rev, false);
    assert.equal(normaliseRevision([], 'abc').commit, 'abc');
  });
});
