/**
 * `mcp render`: the podman commands, compose file and kube manifest of a service, exactly;
 * compose output accepted by docker-compose itself; the command's selection and errors.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { run } from '../../src/cli/commands/render.js';
import type { CliContext } from '../../src/cli/context.js';
import { McpError } from '../../src/domain/errors.js';
import { specHash } from '../../src/domain/hash.js';
import type { ComponentSpec, ServiceSpec } from '../../src/domain/spec.js';
import { renderCompose } from '../../src/render/compose.js';
import { renderKube } from '../../src/render/kube.js';
import { renderPodmanRun } from '../../src/render/podman-run.js';
import { shellQuote } from '../../src/render/shell.js';
import { toYaml, yamlScalar } from '../../src/render/yaml.js';
import { component as specOf } from '../support/plan-builders.js';

const component = (service: string, name: string, over: Partial<ComponentSpec> = {}): ComponentSpec =>
  specOf(service, name, { image: `mcr.example:8443/${service}-${name}:v1.0.0`, ...over });

const api = component('notes', 'api', {
  network: 'mcpnet',
  user: '0:0',
  ports: [{ hostIp: '127.0.0.1', hostPort: 8443, containerPort: 8443, protocol: 'tcp' }],
  volumes: [{ source: '/srv/notes', target: '/srv/notes', readOnly: true }],
  cmd: ['server', '--motd', "it's $HOME"],
  env: ['LOG_LEVEL=info'],
  dependsOn: ['db'],
});
const db = component('notes', 'db', { restart: 'always' });
const notes: ServiceSpec = {
  name: 'notes',
  node: 'rift',
  active: true,
  dependsOn: [],
  components: [api, db],
  file: 'services/notes.toml',
};

describe('render podman-run', () => {
  it('prints the network, then each component after what it depends on, shell-quoted', () => {
    const { text, notes: remarks } = renderPodmanRun([notes]);
    assert.equal(
      text,
      `podman network create --ignore mcpnet

podman run -d --name notes-db \\
  --label mcp.managed=true \\
  --label mcp.node=rift \\
  --label mcp.service=notes \\
  --label mcp.component=db \\
  --label mcp.spec-hash=${specHash(db)} \\
  --restart always \\
  --init \\
  mcr.example:8443/notes-db:v1.0.0

podman run -d --name notes-api \\
  --label mcp.managed=true \\
  --label mcp.node=rift \\
  --label mcp.service=notes \\
  --label mcp.component=api \\
  --label mcp.spec-hash=${specHash(api)} \\
  --network mcpnet \\
  --user 0:0 \\
  --restart unless-stopped \\
  -p 127.0.0.1:8443:8443 \\
  -v /srv/notes:/srv/notes:ro \\
  -e LOG_LEVEL=info \\
  --init \\
  mcr.example:8443/notes-api:v1.0.0 server --motd 'it'\\''s $HOME'
`,
    );
    assert.deepEqual(remarks, []);
  });

  it('round-trips every argument through a real shell', () => {
    const words = ['plain', "it's", '$HOME', 'a b', '*', '', 'x;y', '"q"'];
    const echoed = execFileSync('sh', ['-c', `printf '%s\\n' ${words.map(shellQuote).join(' ')}`], {
      encoding: 'utf8',
    });
    assert.deepEqual(echoed.split('\n').slice(0, -1), words);
  });

  it('creates without starting the components of an inactive service', () => {
    const { text } = renderPodmanRun([{ ...notes, active: false, components: [db] }]);
    assert.match(text, /^# notes is inactive: created, not started\npodman create --name notes-db \\/);
  });

  it('leaves a unikernel out with a comment and a note', () => {
    const vm = component('notes', 'vm', {
      kind: 'unikernel',
      image: '/var/lib/mcp/vm.img',
      memory: 128,
      cpus: 1,
    });
    const { text, notes: remarks } = renderPodmanRun([{ ...notes, components: [vm] }]);
    assert.match(text, /^# notes-vm: unikernel component/);
    assert.equal(remarks.length, 1);
    assert.match(remarks[0], /notes-vm.*QEMU/);
  });
});

describe('render compose', () => {
  it('writes a compose service per component with depends_on, labels and literal dollars', () => {
    const { text } = renderCompose([notes]);
    assert.equal(
      text,
      `version: "3.8"
services:
  notes-db:
    container_name: notes-db
    image: mcr.example:8443/notes-db:v1.0.0
    restart: always
    init: true
    labels:
      mcp.managed: "true"
      mcp.node: rift
      mcp.service: notes
      mcp.component: db
      mcp.spec-hash: ${yamlScalar(specHash(db))}
  notes-api:
    container_name: notes-api
    image: mcr.example:8443/notes-api:v1.0.0
    command:
      - server
      - --motd
      - it's $$HOME
    environment:
      - LOG_LEVEL=info
    ports:
      - 127.0.0.1:8443:8443
    volumes:
      - /srv/notes:/srv/notes:ro
    networks:
      - mcpnet
    restart: unless-stopped
    user: "0:0"
    init: true
    labels:
      mcp.managed: "true"
      mcp.node: rift
      mcp.service: notes
      mcp.component: api
      mcp.spec-hash: ${yamlScalar(specHash(api))}
    depends_on:
      - notes-db
networks:
  mcpnet:
    name: mcpnet
`,
    );
  });
});

describe('render kube', () => {
  it('writes one pod per service with host ports, hostPath volumes, env and args', () => {
    const { text } = renderKube([notes]);
    assert.equal(
      text,
      `# podman kube play --network mcpnet FILE
apiVersion: v1
kind: Pod
metadata:
  name: notes
  labels:
    mcp.managed: "true"
    mcp.node: rift
    mcp.service: notes
spec:
  restartPolicy: Always
  containers:
    - name: db
      image: mcr.example:8443/notes-db:v1.0.0
    - name: api
      image: mcr.example:8443/notes-api:v1.0.0
      args:
        - server
        - --motd
        - it's $HOME
      env:
        - name: LOG_LEVEL
          value: info
      ports:
        - containerPort: 8443
          hostPort: 8443
          hostIP: 127.0.0.1
          protocol: TCP
      volumeMounts:
        - name: srv-notes
          mountPath: /srv/notes
          readOnly: true
      securityContext:
        runAsUser: 0
        runAsGroup: 0
  volumes:
    - name: srv-notes
      hostPath:
        path: /srv/notes
`,
    );
  });
});

describe('toYaml', () => {
  it('quotes what YAML 1.1 would read as booleans, numbers or sexagesimals', () => {
    assert.equal(
      toYaml({ a: 'no', b: '1.0', c: '22:22', d: 'On', e: 'plain/path', f: '' }),
      ['a: "no"', 'b: "1.0"', 'c: "22:22"', 'd: "On"', 'e: plain/path', 'f: ""', ''].join('\n'),
    );
  });
});

const awkward = [
  'on',
  'no',
  '22:22',
  '1.0',
  '0x10',
  '# not a comment',
  'a: b',
  '- x',
  "it's",
  '"q"',
  '',
  '~',
  `\${X}`, // a compose variable, kept literal
];
const odd = component('odd', 'main', {
  network: 'mcpnet',
  user: '1000:1000',
  cmd: awkward,
  env: awkward.map((v, i) => `V${i}=${v}`),
  ports: [{ hostIp: '127.0.0.1', hostPort: 22, containerPort: 22, protocol: 'tcp' }],
});
const service: ServiceSpec = { ...notes, name: 'odd', components: [odd] };

describe('rendered YAML parses back to what was rendered', () => {
  it('compose: every awkward string comes back as the same string under YAML 1.1', () => {
    const doc = parseYaml(renderCompose([service]).text, { version: '1.1' });
    const main = doc.services['odd-main'];
    assert.deepEqual(
      main.command,
      awkward.map((v) => v.replaceAll('$', '$$$$')),
    );
    assert.deepEqual(
      main.environment,
      awkward.map((v, i) => `V${i}=${v}`.replaceAll('$', '$$$$')),
    );
    assert.deepEqual(main.ports, ['127.0.0.1:22:22']);
    assert.equal(main.user, '1000:1000');
    assert.equal(main.labels['mcp.managed'], 'true');
  });

  it('kube: one document per service, awkward args intact, numbers as numbers', () => {
    const docs = parseAllDocuments(renderKube([service, notes]).text, { version: '1.1' }).map((d) =>
      d.toJS(),
    );
    assert.deepEqual(
      docs.map((d) => d.metadata.name),
      ['odd', 'notes'],
    );
    const [container] = docs[0].spec.containers;
    assert.deepEqual(container.args, awkward);
    assert.deepEqual(container.ports, [
      { containerPort: 22, hostPort: 22, hostIP: '127.0.0.1', protocol: 'TCP' },
    ]);
    assert.deepEqual(container.securityContext, { runAsUser: 1000, runAsGroup: 1000 });
  });
});

const DOCKER_COMPOSE = '/usr/bin/docker-compose';

describe('compose output and docker-compose 1.29', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-render-compose-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('is accepted by `docker-compose config`, with dollars kept literal', () => {
    assert.ok(existsSync(DOCKER_COMPOSE), `${DOCKER_COMPOSE} is missing: apt-get install docker-compose`);
    const web = component('web', 'app', { network: 'mcpnet', env: ['GREETING=$5 off'] });
    const services: ServiceSpec[] = [
      notes,
      { ...notes, name: 'web', dependsOn: ['notes'], components: [web] },
      service,
    ];
    const file = join(dir, 'compose.yml');
    writeFileSync(file, renderCompose(services).text);
    const resolved = execFileSync(DOCKER_COMPOSE, ['-f', file, 'config'], {
      encoding: 'utf8',
      stdio: 'pipe',
    });
    assert.match(resolved, /GREETING: \$\$5 off$/m, 'an unescaped $5 would be interpolated away');
    const names = execFileSync(DOCKER_COMPOSE, ['-f', file, 'config', '--services'], { encoding: 'utf8' });
    assert.deepEqual(names.trim().split('\n').sort(), ['notes-api', 'notes-db', 'odd-main', 'web-app']);
    const odd = execFileSync(DOCKER_COMPOSE, ['-f', file, 'config'], { encoding: 'utf8' });
    assert.deepEqual(
      parseYaml(odd).services['odd-main'].command,
      awkward.map((v) => v.replaceAll('$', '$$$$')),
    );
  });
});

const capture = (cwd: string) => {
  const out: string[] = [];
  const err: string[] = [];
  const ctx: CliContext = { cwd, env: {}, out: (t) => out.push(t), err: (t) => err.push(t), color: false };
  return { ctx, out, err };
};

const SERVICE_FILES: Record<string, string> = {
  'dns.toml': `name = "dns"
node = "rift"

[[components]]
name = "server"
image = "mcr.example:8443/dns:v1.0.0"
network = "mcpnet"
`,
  'app.toml': `name = "app"
node = "vade"
depends_on = ["dns"]

[[components]]
name = "web"
image = "mcr.example:8443/app:v2.0.0"
network = "mcpnet"

[[components]]
name = "vm"
kind = "unikernel"
image = "/var/lib/mcp/images/app.img"
`,
  'old.toml': `name = "old"
node = "rift"
active = false

[[components]]
name = "main"
image = "mcr.example:8443/old:v1.0.0"
`,
};

describe('mcp render', () => {
  const repo = mkdtempSync(join(tmpdir(), 'mcp-render-repo-'));
  mkdirSync(join(repo, 'services'));
  for (const [name, text] of Object.entries(SERVICE_FILES)) writeFileSync(join(repo, 'services', name), text);
  after(() => rmSync(repo, { recursive: true, force: true }));

  it('renders a named service as podman commands by default, relative to the working directory', async () => {
    const { ctx, out } = capture(repo);
    assert.equal(await run(['dns'], ctx), 0);
    assert.match(
      out.join('\n'),
      /^podman network create --ignore mcpnet\n\npodman run -d --name dns-server /,
    );
  });

  it('notes on stderr what the format cannot express', async () => {
    const { ctx, out, err } = capture(repo);
    assert.equal(await run(['app', '--format', 'compose'], ctx), 0);
    assert.match(out.join('\n'), /^# app-vm: unikernel component/m);
    assert.match(out.join('\n'), /^# app depends on service dns, which is not in this file$/m);
    assert.match(err.join('\n'), /^note: app-vm: unikernel component/);
  });

  it('renders every active service of a node with --all --node', async () => {
    const { ctx, out } = capture('/');
    assert.equal(await run(['--all', '--node', 'rift', '--repo', repo, '--format', 'kube'], ctx), 0);
    const text = out.join('\n');
    assert.match(text, /name: dns\n/);
    assert.doesNotMatch(text, /name: old\n/);
    assert.doesNotMatch(text, /name: app\n/);
  });

  it('fails with NOT_FOUND listing the known services for an unknown one', async () => {
    const { ctx } = capture(repo);
    await assert.rejects(run(['nope'], ctx), (e: unknown) => {
      assert.ok(e instanceof McpError);
      assert.equal(e.code, 'NOT_FOUND');
      assert.equal(e.data.hint, 'services: app, dns, old');
      return true;
    });
  });

  it('rejects a missing service name, a bad format and names with --all as usage errors', async () => {
    for (const args of [[], ['dns', '--format', 'helm'], ['--all', 'dns']]) {
      await assert.rejects(
        run(args, capture(repo).ctx),
        (e: unknown) => e instanceof McpError && e.code === 'USAGE',
      );
    }
  });

  it('prints every error of an invalid directory and exits 1', async () => {
    writeFileSync(
      join(repo, 'services', 'bad.toml'),
      'name = "bad"\nnode = "rift"\ncomponents = []\nextra = 1\n',
    );
    try {
      const { ctx, out, err } = capture(repo);
      assert.equal(await run(['dns'], ctx), 1);
      assert.deepEqual(out, []);
      assert.match(err.join('\n'), /services\/bad\.toml/);
    } finally {
      rmSync(join(repo, 'services', 'bad.toml'));
    }
  });
});

describe('render edge cases', () => {
  it('brackets an IPv6 host address in port mappings', () => {
    const v6 = component('v6', 'api', {
      ports: [{ hostIp: '::1', hostPort: 80, containerPort: 8080, protocol: 'udp' }],
    });
    const { text } = renderPodmanRun([{ ...notes, name: 'v6', components: [v6] }]);
    assert.match(text, /^ {2}-p '\[::1\]:80:8080\/udp' \\$/m);
  });

  it('orders a chain of ten thousand dependent services without overflowing the stack', () => {
    const chain: ServiceSpec[] = Array.from({ length: 10_000 }, (_, i) => ({
      ...notes,
      name: `s${i}`,
      dependsOn: i === 0 ? [] : [`s${i - 1}`],
      components: [component(`s${i}`, 'main')],
    })).reverse();
    const { text } = renderCompose(chain);
    assert.ok(text.indexOf('  s0-main:') < text.indexOf('  s1-main:'));
    assert.ok(text.indexOf('  s9998-main:') < text.indexOf('  s9999-main:'));
  });

  it('notes that compose and kube would start an inactive service', () => {
    const inactive = { ...notes, active: false };
    assert.match(renderCompose([inactive]).notes.join('\n'), /notes is inactive .* compose would start it/);
    assert.match(
      renderKube([inactive]).notes.join('\n'),
      /notes is inactive .* podman kube play would start it/,
    );
  });
});
