/**
 * The operator's CLI end to end: a real git server (`git http-backend`), a real `mcp-agent run`
 * process on the real podman following it, and `mcp` run as a process with its own HOME, as a
 * new operator would: node add / list / remove keeping a comment in mcp.toml, login with a bad
 * and a good token, restart, service show / export (round trip through validate and plan),
 * service edit with a scripted $EDITOR (one invalid save, then a valid one), status SERVICE,
 * and plan --live after a container is stopped by hand (the agent runs with heal = false).
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tokenDigest } from '../../src/agent/api/auth.js';
import type { GitServer } from '../support/git-http.js';
import { closedPort } from '../support/net.js';
import { IMAGE_V1, podman, podmanSocket, removeContainers, requirePodman } from '../support/podman.js';
import { git, servicesRepo } from '../support/services-repo.js';

const P = `i11op${process.pid.toString(36)}`;
const NODE = `i11n${process.pid.toString(36)}`;
const MCP = join(import.meta.dirname, '../../src/cli/main.js');
const AGENT = join(import.meta.dirname, '../../src/agent/main.js');

const serviceText = (name: string, extra = '') =>
  `# ${name}: written by hand, comments kept\nname = "${name}"\nnode = "${NODE}"\n\n[[components]]\nname = "main"\n` +
  `image = "${IMAGE_V1}"\ncmd = ["httpd", "-f", "-p", "8080"]\n${extra}`;

interface Run {
  code: number | null;
  out: string;
  err: string;
}

describe('the operator CLI against a real agent, git server and podman', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-i11-op-'));
  const home = join(dir, 'home');
  let bare = '';
  const clone = join(home, 'services');
  const configFile = join(home, '.config', 'mcp', 'mcp.toml');
  let server: GitServer;
  let agent: ChildProcess | undefined;
  let address = '';

  /** `mcp ARGS` as a process with its own HOME; `input` is piped to its stdin. */
  const mcp = (args: string[], opts: { input?: string; env?: Record<string, string> } = {}): Promise<Run> =>
    new Promise((resolve) => {
      const child = spawn(process.execPath, [MCP, ...args], {
        cwd: home,
        env: { PATH: process.env.PATH, HOME: home, NO_COLOR: '1', ...opts.env },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      child.stdout.on('data', (d) => {
        out += d;
      });
      child.stderr.on('data', (d) => {
        err += d;
      });
      child.stdin.end(opts.input ?? '');
      child.on('exit', (code) => resolve({ code, out, err }));
    });

  const api = async <T>(path: string, token = 'ops-token'): Promise<T> => {
    const res = await fetch(`http://${address}${path}`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(res.status, 200, `${path}: HTTP ${res.status}`);
    return (await res.json()) as T;
  };

  /** Waits until the agent reports a finished pass at `commit`. */
  const convergedAt = async (commit: string, ms = 60_000): Promise<void> => {
    const until = Date.now() + ms;
    for (;;) {
      const status = await api<{ lastPass: { revision?: string; result: string } | null }>(
        '/v1/status',
      ).catch(() => undefined);
      if (status?.lastPass?.revision === commit && status.lastPass.result === 'converged') return;
      if (Date.now() > until)
        assert.fail(`no converged pass at ${commit} within ${ms} ms: ${JSON.stringify(status)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };

  const startedAt = async (name: string): Promise<string> =>
    podman('inspect', '--format', '{{.State.StartedAt}}', name);

  before(async () => {
    await requirePodman();
    await removeContainers(`${P}-`);
    mkdirSync(join(home, '.config', 'mcp'), { recursive: true });
    ({ server, bare } = await servicesRepo(
      dir,
      { [`services/${P}-web.toml`]: serviceText(`${P}-web`) },
      clone,
    ));

    const port = await closedPort();
    address = `127.0.0.1:${port}`;
    writeFileSync(
      join(dir, 'mcp-agent.toml'),
      `node = "${NODE}"\nstate_dir = "${dir}/state"\n[source]\nurl = "${server.url('services.git')}"\nbranch = "main"\ninterval = 3600\n` +
        `[podman]\nsocket = "${podmanSocket}"\nstop_timeout = 1\n[policy]\nheal = false\n[api]\nlisten = "${address}"\n` +
        `[[api.tokens]]\nname = "ops"\nsha256 = "${tokenDigest('ops-token')}"\nrole = "operate"\n` +
        `[[api.tokens]]\nname = "viewer"\nsha256 = "${tokenDigest('viewer-token')}"\nrole = "read"\n`,
    );
    agent = spawn(process.execPath, [AGENT, 'run', '--config', join(dir, 'mcp-agent.toml')], {
      stdio: ['ignore', 'ignore', 'ignore'],
    });
    await convergedAt(git(clone, 'rev-parse', 'HEAD'));
    writeFileSync(
      configFile,
      `# my fleet: kept by every mcp command\n[services]\ndir = "~/services"\nbranch = "main"\n`,
    );
  });

  after(async () => {
    if (agent && agent.exitCode === null) {
      const exited = new Promise((r) => agent?.on('exit', r));
      agent.kill('SIGTERM');
      await exited;
    }
    await server?.close();
    await removeContainers(`${P}-`);
    rmSync(dir, { recursive: true, force: true });
  });

  it('node add writes the node into mcp.toml keeping its comment; node list shows it reachable', async () => {
    const added = await mcp(['node', 'add', NODE, address]);
    assert.equal(added.code, 0, added.err);
    const text = readFileSync(configFile, 'utf8');
    assert.match(text, /^# my fleet: kept by every mcp command\n\[services\]\ndir = "~\/services"\n/);
    assert.match(text, new RegExp(`\\[\\[nodes\\]\\]\\nname = "${NODE}"\\naddress = "${address}"\\n$`));
    const missing = await mcp(['node', 'add', 'i11-gone', `127.0.0.1:${await closedPort()}`]);
    assert.equal(missing.code, 0, missing.err);

    const listed = await mcp(['node', 'list', '--json'], { env: { MCP_TOKEN: 'viewer-token' } });
    assert.equal(listed.code, 0, listed.err);
    const rows = JSON.parse(listed.out) as { name: string; reachable: boolean; revision: string | null }[];
    assert.deepEqual(
      rows.map((r) => [r.name, r.reachable, r.revision]),
      [
        [NODE, true, git(clone, 'rev-parse', 'HEAD')],
        ['i11-gone', false, null],
      ],
    );
    const removed = await mcp(['node', 'remove', 'i11-gone']);
    assert.equal(removed.code, 0, removed.err);
    assert.equal(readFileSync(configFile, 'utf8'), text, 'mcp.toml is back to what it was before i11-gone');
  });

  it('login refuses a bad token writing nothing (77), and stores a good one 0600, telling its role', async () => {
    const bad = await mcp(['login'], { input: 'not-a-token\n' });
    assert.equal(bad.code, 77, bad.err);
    assert.match(bad.err, /refused the token: nothing was written\nhint: /);
    assert.equal(existsSync(join(home, '.config', 'mcp', 'token')), false);
    assert.doesNotMatch(readFileSync(configFile, 'utf8'), /token_path/);

    const good = await mcp(['login'], { input: 'ops-token\n' });
    assert.equal(good.code, 0, good.err);
    assert.match(good.out, new RegExp(`^${NODE}: token ops accepted, role operate$`, 'm'));
    const tokenFile = join(home, '.config', 'mcp', 'token');
    assert.equal(readFileSync(tokenFile, 'utf8'), 'ops-token\n');
    assert.equal(statSync(tokenFile).mode & 0o777, 0o600);
    const text = readFileSync(configFile, 'utf8');
    assert.match(text, /^# my fleet: kept by every mcp command\n/);
    assert.match(text, /\[auth\]\ntoken_path = ".*\/\.config\/mcp\/token"/);
  });

  it('login on a terminal reads the token without echoing it', async () => {
    // `script` gives mcp a pseudo-terminal; the token is typed only once the prompt is shown
    const child = spawn('script', ['-qec', `${process.execPath} ${MCP} login`, '/dev/null'], {
      cwd: home,
      env: { PATH: process.env.PATH, HOME: home, NO_COLOR: '1' },
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    let screen = '';
    let typed = false;
    child.stdout.on('data', (d) => {
      screen += d;
      if (!typed && screen.includes('API token: ')) {
        typed = true;
        child.stdin.write('ops-token\r');
      }
    });
    const code = await new Promise((r) => child.on('exit', r));
    assert.equal(code, 0, screen);
    assert.match(screen, /token ops accepted, role operate/);
    assert.doesNotMatch(screen, /ops-token/, 'the token was echoed');
  });

  it('restart moves the container’s start time and records an event naming the token', async () => {
    const name = `${P}-web-main`;
    const before = await startedAt(name);
    const r = await mcp(['restart', `${P}-web`]);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out.trim(), `${NODE}: restarted ${name} (recorded as asked by ops)`);
    const afterwards = await startedAt(name);
    assert.ok(Date.parse(afterwards) > Date.parse(before), `${before} -> ${afterwards}`);
    assert.equal(await podman('inspect', '--format', '{{.State.Status}}', name), 'running');
    const { events } = await api<{ events: { kind: string; name?: string; data?: { by?: string } }[] }>(
      '/v1/events?limit=20',
    );
    const restarted = events.find((e) => e.kind === 'restarted');
    assert.deepEqual([restarted?.name, restarted?.data?.by], [name, 'ops']);

    const readOnly = await mcp(['restart', `${P}-web/main`], { env: { MCP_TOKEN: 'viewer-token' } });
    assert.equal(readOnly.code, 77, 'a read token cannot restart');
    const unknown = await mcp(['restart', `${P}-web/nope`]);
    assert.equal(unknown.code, 66);
  });

  it('status SERVICE shows its components and last events; status NODE adds the node’s services', async () => {
    const r = await mcp(['status', `${P}-web`]);
    assert.equal(r.code, 0, r.err);
    const lines = r.out.split('\n');
    assert.match(lines[0], new RegExp(`^${P}-web on ${NODE}, revision in force [0-9a-f]{7}$`));
    assert.match(lines[1], /^SERVICE\s+COMPONENT\s+STATE\s+HEALTH\s+IMAGE\s+PORTS\s+REVISION\s+UPTIME$/);
    assert.match(
      lines[2],
      new RegExp(
        `^${P}-web\\s+main\\s+running\\s+none\\s+localhost/mcp-test/busybox:v1\\s+-\\s+[0-9a-f]{7}\\s+up \\d+ s$`,
      ),
    );
    assert.match(r.out, new RegExp(`^  \\S+  restarted\\s+${P}-web-main  restarted by ops$`, 'm'));
    const json = JSON.parse((await mcp(['status', `${P}-web`, '--json'])).out);
    assert.equal(json.components[0].state, 'running');
    assert.ok(json.events.length >= 2 && json.events.length <= 10);
    const node = await mcp(['status', NODE]);
    assert.equal(node.code, 0, node.err);
    assert.match(node.out, /^NODE\s+RESULT/);
    assert.match(node.out, new RegExp(`^${P}-web\\s+main\\s+running`, 'm'));
  });

  it('service show prints the spec in force and says the clone means the same', async () => {
    const r = await mcp(['service', 'show', `${P}-web`]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, new RegExp(`^# in force on ${NODE} at [0-9a-f]{7} \\(services/${P}-web\\.toml\\)`));
    assert.match(r.out, /image = "localhost\/mcp-test\/busybox:v1"/);
    assert.ok(r.out.endsWith(`# the clone's services/${P}-web.toml means the same\n`), r.out);
  });

  it('service export -> validate -> plan against the clone shows no change', async () => {
    const exported = join(dir, 'exported.toml');
    const r = await mcp(['service', 'export', `${P}-web`, exported]);
    assert.equal(r.code, 0, r.err);
    const scratch = join(dir, 'scratch', 'services');
    mkdirSync(scratch, { recursive: true });
    writeFileSync(join(scratch, `${P}-web.toml`), readFileSync(exported));
    const valid = await mcp(['validate', join(dir, 'scratch')]);
    assert.equal(valid.code, 0, valid.err);

    writeFileSync(join(clone, 'services', `${P}-web.toml`), readFileSync(exported));
    git(clone, 'commit', '-q', '-am', 'the exported file');
    const plan = await mcp(['plan', '--repo', clone, '--base', 'HEAD~1', '--head', 'HEAD']);
    assert.equal(plan.code, 0, `${plan.out}\n${plan.err}`);
    git(clone, 'reset', '-q', '--hard', 'HEAD~1');
  });

  it('service edit: an invalid save reopens the editor with the errors, a valid one is committed and converged', async () => {
    const script = join(dir, 'editor.sh');
    const calls = join(dir, 'editor.calls');
    writeFileSync(
      script,
      `#!/bin/sh\nset -e\nn=$(cat "${calls}" 2>/dev/null || echo 0); n=$((n+1)); echo $n > "${calls}"\n` +
        `if [ $n = 1 ]; then sed -i 's/^image = /imgae = /' "$1"; exit 0; fi\n` +
        `cp "$1" "${dir}/second-offer.toml"\n` +
        `sed -i -e 's/^imgae = /image = /' -e 's/^cmd = .*/cmd = ["httpd", "-f", "-p", "8081"]/' "$1"\n`,
    );
    chmodSync(script, 0o755);
    const head = git(clone, 'rev-parse', 'HEAD');
    const r = await mcp(['service', 'edit', `${P}-web`, '--timeout', '60'], { env: { EDITOR: script } });
    assert.equal(r.code, 0, `${r.out}\n${r.err}`);
    assert.equal(readFileSync(calls, 'utf8').trim(), '2');
    const offered = readFileSync(join(dir, 'second-offer.toml'), 'utf8');
    assert.match(offered, /^# --- mcp: this file does not validate/);
    assert.ok(
      offered.includes(`# services/${P}-web.toml:7:1 components[0].imgae: unknown key 'imgae'`),
      offered,
    );
    const committed = readFileSync(join(clone, 'services', `${P}-web.toml`), 'utf8');
    assert.equal(
      committed,
      serviceText(`${P}-web`).replace('"8080"]', '"8081"]'),
      'no error block, comment kept',
    );
    const pushed = git(clone, 'rev-parse', 'HEAD');
    assert.notEqual(pushed, head);
    assert.equal(git(dir, '--git-dir', bare, 'rev-parse', 'main'), pushed);
    assert.match(r.out, new RegExp(`${NODE}: converged ${pushed.slice(0, 7)} in \\d+ ms: 1 recreated`));
  });

  it('service edit given up leaves the file byte for byte as it was, and commits nothing', async () => {
    const file = join(clone, 'services', `${P}-web.toml`);
    const before = readFileSync(file);
    const head = git(clone, 'rev-parse', 'HEAD');
    const script = join(dir, 'editor-bad.sh');
    writeFileSync(
      script,
      `#!/bin/sh\ngrep -q '^# --- mcp' "$1" && exit 0\nsed -i 's/^node = /nod = /' "$1"\n`,
    );
    chmodSync(script, 0o755);
    const r = await mcp(['service', 'edit', `${P}-web`], { env: { VISUAL: script } });
    assert.equal(r.code, 1);
    assert.match(r.err, /edit given up \(saved unchanged after errors\)/);
    assert.deepEqual(readFileSync(file), before);
    assert.equal(git(clone, 'rev-parse', 'HEAD'), head);
  });

  it('plan --live shows no change while the node runs the clone’s HEAD, and the start after a container is stopped by hand', async () => {
    const quiet = await mcp(['plan', '--live']);
    assert.equal(quiet.code, 0, `${quiet.out}\n${quiet.err}`);
    assert.match(quiet.out, /^plan live -> HEAD \([0-9a-f]{7}\)/);

    await podman('stop', '-t', '0', `${P}-web-main`);
    const r = await mcp(['plan', '--live', '--format', 'json']);
    assert.equal(r.code, 2, `${r.out}\n${r.err}`);
    const report = JSON.parse(r.out);
    assert.deepEqual(
      report.nodes[0].actions.map((a: { kind: string; name: string }) => `${a.kind} ${a.name}`),
      [`start ${P}-web-main`],
    );
    assert.equal(
      await podman('inspect', '--format', '{{.State.Status}}', `${P}-web-main`),
      'exited',
      'planning applied nothing',
    );
    const text = await mcp(['plan', '--live', '--node', NODE]);
    assert.match(text.out, new RegExp(`start\\s+${P}-web-main`));
  });
});
