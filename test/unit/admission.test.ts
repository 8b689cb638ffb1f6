/**
 * The admission policy: under the default rules a commit cannot mount the host, its sockets
 * or devices, join the host's network, publish on every address or a privileged port, or boot
 * a file of the host as a unikernel; links are followed on the node; the operator widens
 * rules in the agent config; `mcp validate --policy` reports the same violations for CI.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadRevisionFromDir } from '../../src/adapters/dir/load.js';
import { run as validate } from '../../src/cli/commands/validate.js';
import type { AdmissionPolicy } from '../../src/domain/admission.js';
import type { McpError } from '../../src/domain/errors.js';
import { formatSpecError } from '../../src/domain/spec-error.js';
import { admitter } from '../../src/policy/admit.js';
import { admissionPolicy, parseAgentConfig } from '../../src/validate/agent-config.js';

let dir = '';
let sock: Server;
const defaults = (extra = ''): AdmissionPolicy =>
  admissionPolicy(
    parseAgentConfig('/etc/mcp/mcp-agent.toml', `node = "rift"\n[source]\npath = "/x"\n${extra}`),
  );

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'i8a-admission-'));
  mkdirSync(join(dir, 'repo', 'services'), { recursive: true });
  mkdirSync(join(dir, 'srv', 'ok'), { recursive: true });
  sock = createServer();
  await new Promise<void>((resolve) => sock.listen(join(dir, 'runtime.sock'), resolve));
  symlinkSync(join(dir, 'runtime.sock'), join(dir, 'srv', 'innocent'));
  symlinkSync('/etc', join(dir, 'srv', 'etc'));
});
after(() => {
  sock.close();
  rmSync(dir, { recursive: true, force: true });
});

const write = (name: string, component: string, node = 'rift'): void =>
  writeFileSync(
    join(dir, 'repo', 'services', `${name}.toml`),
    `name = "${name}"\nnode = "${node}"\n[[components]]\nname = "c"\n${component}\n`,
  );

const clear = (): void => {
  rmSync(join(dir, 'repo', 'services'), { recursive: true, force: true });
  mkdirSync(join(dir, 'repo', 'services'));
};

const admit = async (policy: AdmissionPolicy, opts = {}): Promise<string[]> => {
  const r = await loadRevisionFromDir(join(dir, 'repo'), {
    admit: admitter(policy, { node: 'rift', protectedPaths: [join(dir, 'runtime.sock')], ...opts }),
  });
  return r.ok ? [] : r.errors.map(formatSpecError);
};

const image = 'image = "localhost/app:v1"';

describe('admission under the default policy', () => {
  it('accepts a service that keeps to it', async () => {
    clear();
    write(
      'fine',
      `${image}\nnetwork = "mcpnet"\nports = ["127.0.0.1:8080:80"]\nvolumes = ["/srv/fine:/data"]`,
    );
    assert.deepEqual(await admit(defaults()), []);
  });

  it('rejects each way out, located and naming its rule', async () => {
    clear();
    write('host', `${image}\nnetwork = "host"`);
    write(
      'mounts',
      `${image}\nvolumes = ["/:/host", "/etc:/etc", "/proc:/p", "/dev/sda:/d", "/srv/../etc:/e"]`,
    );
    write('ports', `${image}\nports = ["8080:80", "0.0.0.0:8081:81", "127.0.0.1:80:80"]`);
    write('vm', 'kind = "unikernel"\nimage = "/etc/shadow"');
    assert.deepEqual(
      (await admit(defaults())).map((l) => l.split('; hint')[0]),
      [
        "services/host.toml:6:1 components[0].network: network 'host' is not allowed on this node (allowed: mcpnet, none) (policy: allowed_networks)",
        "services/mounts.toml:6:12 components[0].volumes[0]: volume source '/' is outside the allowed roots (/srv) (policy: allowed_volume_roots)",
        "services/mounts.toml:6:23 components[0].volumes[1]: volume source '/etc' is outside the allowed roots (/srv) (policy: allowed_volume_roots)",
        "services/mounts.toml:6:36 components[0].volumes[2]: volume source '/proc' is under /proc (policy: never_special)",
        "services/mounts.toml:6:48 components[0].volumes[3]: volume source '/dev/sda' is under /dev (policy: never_special)",
        "services/mounts.toml:6:63 components[0].volumes[4]: volume source '/srv/../etc' is outside the allowed roots (/srv) (policy: allowed_volume_roots)",
        "services/ports.toml:6:10 components[0].ports[0]: port '8080:80' is published on every address, not allowed on this node (allowed: 127.0.0.1, ::1) (policy: allowed_host_ips)",
        "services/ports.toml:6:21 components[0].ports[1]: port '0.0.0.0:8081:81' is published on 0.0.0.0, not allowed on this node (allowed: 127.0.0.1, ::1) (policy: allowed_host_ips)",
        'services/ports.toml:6:40 components[0].ports[2]: host port 80 is outside the allowed range 1024-65535 (policy: host_ports)',
        "services/vm.toml:6:1 components[0].image: unikernel image '/etc/shadow' is outside the allowed roots (/var/lib/mcp/images) (policy: allowed_image_roots)",
      ],
    );
  });

  it('checks only the services of its node', async () => {
    clear();
    write('elsewhere', `${image}\nnetwork = "host"`, 'other');
    assert.deepEqual(await admit(defaults()), []);
  });
});

describe('admission resolves paths on the node', () => {
  const wide = () => defaults(`[admission]\nallowed_volume_roots = ["${dir}/srv", "${dir}"]\n`);

  it('never mounts a socket, even under an allowed root, nor through a link', async () => {
    clear();
    write('sock', `${image}\nvolumes = ["${dir}/runtime.sock:/run/podman.sock"]`);
    write('link', `${image}\nvolumes = ["${dir}/srv/innocent:/run/podman.sock"]`);
    const errors = await admit(wide(), { protectedPaths: [] });
    assert.deepEqual(
      errors.map((l) => l.split(': ').slice(0, 2).join(': ')),
      [
        `services/link.toml:6:12 components[0].volumes[0]: volume source '${dir}/srv/innocent' (resolves to ${dir}/runtime.sock) is a socket (policy`,
        `services/sock.toml:6:12 components[0].volumes[0]: volume source '${dir}/runtime.sock' is a socket (policy`,
      ].map((l) => l.split(': ').slice(0, 2).join(': ')),
    );
  });

  it('never mounts the protected paths or a directory holding them', async () => {
    clear();
    write('holder', `${image}\nvolumes = ["${dir}:/all"]`);
    const [line] = await admit(wide());
    assert.match(
      line,
      /volume source '.*' is or holds .*runtime\.sock, which controls the node \(policy: protected_paths\)/,
    );
  });

  it('follows a link out of an allowed root', async () => {
    clear();
    write('escape', `${image}\nvolumes = ["${dir}/srv/etc/passwd:/p"]`);
    const [line] = await admit(defaults(`[admission]\nallowed_volume_roots = ["${dir}/srv"]\n`));
    assert.match(
      line,
      /volume source '.*\/srv\/etc\/passwd' \(resolves to \/etc\/passwd\) is outside the allowed roots/,
    );
  });
});

describe('the operator widens rules in the agent config', () => {
  it('allows host networking, every address, low ports and more roots when listed', async () => {
    clear();
    write('wide', `${image}\nnetwork = "host"`);
    write('pub', `${image}\nports = ["443:8443"]\nvolumes = ["/var/lib/app:/data"]`);
    const policy = defaults(
      '[admission]\nallowed_networks = ["host"]\nallowed_host_ips = ["0.0.0.0"]\nallowed_volume_roots = ["/var/lib/app"]\n[admission.host_ports]\nmin = 1\n',
    );
    assert.deepEqual(await admit(policy), []);
  });

  it('can require a numeric non-root user', async () => {
    clear();
    write('root', `${image}\nuser = "0:0"`);
    write('unset', image);
    write('named', `${image}\nuser = "1000:1000"`);
    const lines = await admit(defaults('[admission]\nrequire_non_root = true\n'));
    assert.deepEqual(
      lines.map((l) => l.split(': ').slice(0, 2).join(': ')),
      [
        "services/root.toml:6:1 components[0].user: user '0:0' is not a numeric non-zero uid (policy",
        'services/unset.toml:4:1 components[0].name: the container names no user, so it runs as its image user, possibly root (policy',
      ],
    );
  });
});

describe('mcp validate --policy', () => {
  it('prints each violation located with its rule and exits 1; an agent config checks its own node', async () => {
    clear();
    write('web', `${image}\nvolumes = ["/var/run/docker.sock:/var/run/docker.sock"]`);
    write('other', `${image}\nnetwork = "host"`, 'other');
    writeFileSync(join(dir, 'agent.toml'), 'node = "rift"\n[source]\npath = "repo"\n');
    const err: string[] = [];
    const ctx = { cwd: dir, env: {}, out: () => {}, err: (t: string) => err.push(t), color: false };
    assert.equal(await validate(['repo', '--policy', 'agent.toml'], ctx), 1);
    assert.match(
      err[0],
      /^services\/web\.toml:6:12 components\[0\]\.volumes\[0\]: volume source '\/var\/run\/docker\.sock' is outside the allowed roots \(\/srv\) \(policy: allowed_volume_roots\)/,
    );
    assert.deepEqual(err.slice(1), ['invalid: 1 error in 1 file']);
    writeFileSync(join(dir, 'policy.toml'), '[admission]\nallowed_networks = ["mcpnet"]\n');
    err.length = 0;
    assert.equal(await validate(['repo', '--policy', 'policy.toml'], ctx), 1);
    assert.equal(err.at(-1), 'invalid: 2 errors in 2 files');
    assert.equal(
      await validate(['repo'], { ...ctx, err: () => {} }),
      1,
      'the default policy refuses them too',
    );
    assert.equal(
      await validate(['repo', '--no-policy'], { ...ctx, err: () => {} }),
      0,
      'the schema alone does not',
    );
  });

  it('passes the example repositories against their example agent configs', async () => {
    const root = join(import.meta.dirname, '../../..');
    const ctx = { cwd: root, env: {}, out: () => {}, err: (t: string) => assert.fail(t), color: false };
    assert.equal(await validate(['examples/services', '--policy', 'examples/agent/mcp-agent.toml'], ctx), 0);
    assert.equal(await validate(['examples/demo', '--policy', 'examples/demo/mcp-agent.toml'], ctx), 0);
  });

  it('refuses a policy file with an unknown rule as a configuration error naming its line', async () => {
    writeFileSync(join(dir, 'typo.toml'), '[admission]\nallowed_volume_root = ["/"]\n');
    const ctx = { cwd: dir, env: {}, out: () => {}, err: () => {}, color: false };
    await assert.rejects(validate(['repo', '--policy', 'typo.toml'], ctx), (err: McpError) => {
      assert.equal(err.code, 'INVALID_CONFIG');
      assert.match(
        err.message,
        /typo\.toml:2:1 admission\.allowed_volume_root: unknown key 'allowed_volume_root' \(did you mean 'allowed_volume_roots'\?\)/,
      );
      return true;
    });
  });
});
