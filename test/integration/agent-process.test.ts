/**
 * The mcp-agent executable as an operator runs it, against the real podman: the daemon heals
 * a killed container because podman's event woke it, not because its interval came round;
 * and a restarted agent with its source gone rebuilds everything from the last good revision.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, type TestContext, test } from 'node:test';
import { tokenDigest } from '../../src/agent/api/auth.js';
import { startGitServer } from '../support/git-http.js';
import { closedPort, closedPorts } from '../support/net.js';
import {
  containerStates,
  IMAGE_V1,
  IMAGE_V2,
  podman,
  podmanSocket,
  removeContainers,
  requirePodman,
} from '../support/podman.js';
import { killQemus, qemuPids } from '../support/qemu.js';

/** Names and node unique to this run, so a concurrent or interrupted run cannot collide with it. */
const P = `agt${process.pid.toString(36)}`;
const NODE = `${P}node`;
const AGENT = join(import.meta.dirname, '../../src/agent/main.js');
let dir = '';

/** Kills `child` when test `t` ends, so a failed assertion cannot leave an agent running (and holding the state directory's lock). */
const reap = (t: TestContext, child: ChildProcess): ChildProcess => {
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return child;
};

before(async () => {
  await requirePodman();
  await removeContainers(`${P}-`);
  dir = await mkdtemp(join(tmpdir(), 'mcp-agent-'));
  await mkdir(join(dir, 'repo', 'services'), { recursive: true });
  const service = (name: string, deps: string[]) =>
    `name = "${P}-${name}"\nnode = "${NODE}"\ndepends_on = [${deps.map((d) => `"${P}-${d}"`).join(', ')}]\n` +
    `[[components]]\nname = "main"\nimage = "${IMAGE_V1}"\ncmd = ["httpd", "-f", "-p", "8080"]\n`;
  await writeFile(join(dir, 'repo', 'services', `${P}-db.toml`), service('db', []));
  await writeFile(join(dir, 'repo', 'services', `${P}-app.toml`), service('app', ['db']));
  await writeFile(
    join(dir, 'mcp-agent.toml'),
    `node = "${NODE}"\nstate_dir = "${dir}/state"\n[source]\npath = "${dir}/repo"\ninterval = 3600\n` +
      `[podman]\nsocket = "${podmanSocket}"\nstop_timeout = 1\n[qemu]\naccel = "tcg"\n[api]\nlisten = "127.0.0.1:0"\n`,
  );
});
after(async () => {
  await removeContainers(`${P}-`);
  await rm(dir, { recursive: true, force: true });
});

interface LogLine {
  message: string;
  reasons?: string[];
  result?: string;
  [key: string]: unknown;
}

/** Starts the daemon; `next(pred)` resolves with the first later log line matching `pred`. */
const daemon = (t: TestContext, config = join(dir, 'mcp-agent.toml')) => {
  const child = reap(
    t,
    spawn(process.execPath, [AGENT, 'run', '--config', config], {
      stdio: ['ignore', 'ignore', 'pipe'],
    }),
  );
  const waiting: { pred: (l: LogLine) => boolean; resolve: (l: LogLine) => void }[] = [];
  createInterface({ input: child.stderr! }).on('line', (text) => {
    let line: LogLine;
    try {
      line = JSON.parse(text);
    } catch {
      return;
    }
    for (const w of waiting.filter((x) => x.pred(line))) {
      waiting.splice(waiting.indexOf(w), 1);
      w.resolve(line);
    }
  });
  const next = (pred: (l: LogLine) => boolean, ms = 30_000): Promise<LogLine> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching log line within ${ms} ms`)), ms);
      const done = (l: LogLine) => {
        clearTimeout(timer);
        resolve(l);
      };
      waiting.push({ pred, resolve: done });
    });
  const stop = (): Promise<number | null> =>
    new Promise((resolve) => {
      if (child.exitCode !== null) return resolve(child.exitCode);
      child.on('exit', (code) => resolve(code));
      child.kill('SIGTERM');
    });
  /** SIGKILL: no clean-up, no last flush; resolves once the process is gone. */
  const kill9 = (): Promise<void> =>
    new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.on('exit', () => resolve());
      child.kill('SIGKILL');
    });
  return { next, stop, kill9 };
};

/** Runs `mcp-agent reconcile --once --json`; its exit code and its pass report. */
const reconcileJson = async (t: TestContext, config: string) => {
  const child = reap(
    t,
    spawn(process.execPath, [AGENT, 'reconcile', '--once', '--json', '--config', config], {
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => {
    out += d;
  });
  child.stderr!.on('data', (d) => {
    err += d;
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  // The one-shot passes until health settles; its report is the last pass's, so what it
  // created over all its passes is read from their log lines.
  const passes = err
    .split('\n')
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as LogLine];
      } catch {
        return [];
      }
    })
    .filter(isPass);
  const created = passes.reduce(
    (sum, l) => sum + Number((l.counts as { created?: number })?.created ?? 0),
    0,
  );
  return { code, report: JSON.parse(out), created };
};

const isPass = (l: LogLine) => typeof l.result === 'string' && Array.isArray(l.reasons);

test('the daemon converges at start and heals a killed container on podman’s event, within seconds', async (t) => {
  const agent = daemon(t);
  const first = await agent.next(isPass);
  assert.equal(first.result, 'converged');
  assert.match(first.message, /^converged in \d+ ms: 2 created; next pass in 3600 s$/);

  const killed = Date.now();
  await podman('kill', `${P}-db-main`);
  const healing = await agent.next(
    (l) => isPass(l) && (l.reasons ?? []).some((r) => r.startsWith('runtime')),
    10_000,
  );
  const healedAfterMs = Date.now() - killed;
  assert.equal(healing.result, 'converged');
  assert.match(healing.message, /1 started/);
  assert.ok(healedAfterMs < 5_000, `healed after ${healedAfterMs} ms`);
  assert.equal((await containerStates(`${P}-`))[`${P}-db-main`], 'running');
  assert.equal(await agent.stop(), 0);
});

test('the daemon applies an edit of its source directory without waiting for its interval', async (t) => {
  const agent = daemon(t);
  await agent.next(isPass);
  const file = join(dir, 'repo', 'services', `${P}-app.toml`);
  await writeFile(file, (await readFile(file, 'utf8')).replace(IMAGE_V1, IMAGE_V2));
  try {
    const pass = await agent.next(
      (l) => isPass(l) && (l.reasons ?? []).some((r) => r.startsWith('source changed')),
      10_000,
    );
    assert.match(pass.message, /1 recreated/);
    assert.equal(await podman('inspect', '--format', '{{.ImageName}}', `${P}-app-main`), IMAGE_V2);
  } finally {
    await writeFile(file, (await readFile(file, 'utf8')).replace(IMAGE_V2, IMAGE_V1));
    assert.equal(await agent.stop(), 0);
  }
});

test('a restarted agent with its source gone rebuilds a wiped node from the last good revision', async (t) => {
  await removeContainers(`${P}-`);
  await rename(join(dir, 'repo'), join(dir, 'repo-gone'));
  try {
    const once = reap(
      t,
      spawn(process.execPath, [AGENT, 'reconcile', '--once', '--config', join(dir, 'mcp-agent.toml')], {
        stdio: 'ignore',
      }),
    );
    const code = await new Promise((resolve) => once.on('exit', resolve));
    assert.equal(code, 1, 'degraded: converged, but the source is unavailable');
    const states = await containerStates(`${P}-`);
    assert.deepEqual(states, { [`${P}-app-main`]: 'running', [`${P}-db-main`]: 'running' });
    const started = async (n: string) =>
      Date.parse(await podman('inspect', '--format', '{{.State.StartedAt}}', `${P}-${n}-main`));
    assert.ok((await started('db')) <= (await started('app')), 'rebuilt in depends_on order');
  } finally {
    await rename(join(dir, 'repo-gone'), join(dir, 'repo'));
  }
});

test('the agent converges from a git remote over HTTP, then applies a push on the git server’s webhook', async (t) => {
  await removeContainers(`${P}-`);
  const root = join(dir, 'git-server');
  const work = join(dir, 'repo');
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example', ...args], {
      cwd: work,
      encoding: 'utf8',
    });
  execFileSync('git', ['init', '-q', '--bare', '-b', 'main', join(root, 'services.git')]);
  git('init', '-q', '-b', 'main');
  git('add', 'services');
  git('commit', '-q', '-m', 'services');
  git('push', '-q', join(root, 'services.git'), 'HEAD:main');
  const head = git('rev-parse', 'HEAD').trim();
  const server = await startGitServer(root);
  t.after(() => server.close());
  const config = join(dir, 'mcp-agent-git.toml');
  await writeFile(join(dir, 'webhook.secret'), 'hook-secret-of-at-least-16-bytes\n');
  await writeFile(
    config,
    `node = "${NODE}"\nstate_dir = "${dir}/state-git"\n[source]\nurl = "${server.url('services.git')}"\ninterval = 3600\n` +
      `[podman]\nsocket = "${podmanSocket}"\nstop_timeout = 1\n[qemu]\naccel = "tcg"\n` +
      `[api]\nlisten = "127.0.0.1:0"\nwebhook_secret_file = "webhook.secret"\n` +
      `[[api.tokens]]\nname = "ops"\nsha256 = "${tokenDigest('ops-token')}"\nrole = "operate"\n`,
  );
  const { code, report } = await reconcileJson(t, config);
  assert.equal(code, 0);
  assert.equal(report.status.result, 'converged');
  assert.equal(report.status.revision, head);
  assert.equal(report.changes.counts.created, 2);
  assert.deepEqual(await containerStates(`${P}-`), {
    [`${P}-app-main`]: 'running',
    [`${P}-db-main`]: 'running',
  });
  assert.equal(
    await podman('inspect', '--format', '{{index .Config.Labels "mcp.revision"}}', `${P}-db-main`),
    head,
  );

  // git push, then the git server's webhook: the daemon applies the new commit at once.
  const agent = daemon(t, config);
  const started = await agent.next((l) => l.message === 'agent started');
  await agent.next(isPass);
  const file = join(work, 'services', `${P}-app.toml`);
  await writeFile(file, (await readFile(file, 'utf8')).replace(IMAGE_V1, IMAGE_V2));
  git('commit', '-q', '-am', 'app v2');
  git('push', '-q', join(root, 'services.git'), 'HEAD:main');
  const pushed = git('rev-parse', 'HEAD').trim();
  const body = JSON.stringify({ ref: 'refs/heads/main', after: pushed });
  const signature = `sha256=${createHmac('sha256', 'hook-secret-of-at-least-16-bytes').update(body).digest('hex')}`;
  const hook = await fetch(`${started.api}/v1/webhook`, {
    method: 'POST',
    body,
    headers: {
      'content-type': 'application/json',
      'x-hub-signature-256': signature,
      'x-github-event': 'push',
    },
  });
  assert.equal(hook.status, 202);
  const pass = await agent.next(
    (l) => isPass(l) && (l.reasons ?? []).includes('webhook refs/heads/main'),
    15_000,
  );
  assert.match(pass.message, /1 recreated/);
  assert.equal(await podman('inspect', '--format', '{{.ImageName}}', `${P}-app-main`), IMAGE_V2);
  const status = await fetch(`${started.api}/v1/status`, { headers: { authorization: 'Bearer ops-token' } });
  assert.equal((await status.json()).revision, pushed);
  assert.equal(await agent.stop(), 0);
});

test('the agent boots a unikernel VM beside a container, and a second agent process re-attaches to it', async (t) => {
  await removeContainers(`${P}-`);
  const guest = process.env.MCP_GUEST_DIR ?? '/var/lib/mcp-test/guest';
  const port = await closedPort();
  const root = join(dir, 'vm-repo');
  await mkdir(join(root, 'services'), { recursive: true });
  await writeFile(
    join(root, 'services', `${P}-edge.toml`),
    `name = "${P}-edge"\nnode = "${NODE}"\n` +
      `[[components]]\nname = "vm"\nkind = "unikernel"\nimage = "${guest}"\nmemory = 128\nports = ["127.0.0.1:${port}:8080"]\n` +
      `[[components]]\nname = "proxy"\nimage = "${IMAGE_V1}"\ncmd = ["httpd", "-f", "-p", "8080"]\ndepends_on = ["vm"]\n`,
  );
  const config = join(dir, 'mcp-agent-vm.toml');
  await writeFile(
    config,
    `node = "${NODE}"\nstate_dir = "${dir}/state-vm"\n[source]\npath = "${root}"\n` +
      `[podman]\nsocket = "${podmanSocket}"\nstop_timeout = 1\n[qemu]\nboot_timeout = 120\n` +
      `[admission]\nallowed_image_roots = ["${dirname(guest)}"]\n`,
  );
  t.after(async () => {
    // By pid: every QEMU of this test's state directory, whatever the test left running.
    killQemus(join(dir, 'state-vm'));
    await removeContainers(`${P}-edge-`);
  });
  const once = async () => (await reconcileJson(t, config)).report;
  const run = await reconcileJson(t, config);
  assert.equal(run.report.status.result, 'converged');
  assert.equal(run.created, 2, 'the first process created the VM and the container');
  const res = await fetch(`http://127.0.0.1:${port}/`);
  assert.match(await res.text(), new RegExp(`mcp-guest ${P}-edge-vm`));
  const second = await once();
  assert.equal(
    second.status.summary,
    '2 unchanged',
    'the VM left running by the first process is found again',
  );
  assert.equal(qemuPids(join(dir, 'state-vm')).length, 1);
});

test('two agents of different nodes on one podman each see, count, list and prune only their own instances', async (t) => {
  const root = join(dir, 'two-nodes');
  await mkdir(join(root, 'services'), { recursive: true });
  const nodes = { a: `${P}a`, b: `${P}b` };
  const serviceFile = (name: string, node: string) =>
    writeFile(
      join(root, 'services', `${P}-${name}.toml`),
      `name = "${P}-${name}"\nnode = "${node}"\n[[components]]\nname = "main"\nimage = "${IMAGE_V1}"\ncmd = ["httpd", "-f", "-p", "8080"]\n`,
    );
  await serviceFile('alpha', nodes.a);
  await serviceFile('beta', nodes.b);
  await serviceFile('gamma', nodes.b);
  t.after(() => removeContainers(`${P}-alpha-`));
  t.after(() => removeContainers(`${P}-beta-`));
  t.after(() => removeContainers(`${P}-gamma-`));
  const configFor = async (key: 'a' | 'b') => {
    const path = join(dir, `mcp-agent-${key}.toml`);
    await writeFile(
      path,
      `node = "${nodes[key]}"\nstate_dir = "${dir}/state-${key}"\n[source]\npath = "${root}"\ninterval = 3600\n` +
        `[podman]\nsocket = "${podmanSocket}"\nstop_timeout = 1\n[qemu]\naccel = "tcg"\n` +
        `[api]\nlisten = "127.0.0.1:0"\n[[api.tokens]]\nname = "ops"\nsha256 = "${tokenDigest('ops-token')}"\nrole = "operate"\n`,
    );
    return path;
  };
  const ps = async (api: unknown) => {
    const res = await fetch(`${api}/v1/ps`, { headers: { authorization: 'Bearer ops-token' } });
    return ((await res.json()) as { instances: { name: string }[] }).instances.map((i) => i.name);
  };

  const a = daemon(t, await configFor('a'));
  const aStarted = await a.next((l) => l.message === 'agent started');
  assert.match((await a.next(isPass)).message, /: 1 created;/);
  const b = daemon(t, await configFor('b'));
  const bStarted = await b.next((l) => l.message === 'agent started');
  const bFirst = await b.next(isPass);
  assert.match(bFirst.message, /: 2 created;/, 'node a’s container is not counted by node b');

  assert.deepEqual(await ps(aStarted.api), [`${P}-alpha-main`]);
  assert.deepEqual(await ps(bStarted.api), [`${P}-beta-main`, `${P}-gamma-main`]);
  const nodeLabel = (name: string) =>
    podman('inspect', '--format', '{{index .Config.Labels "mcp.node"}}', name);
  assert.equal(await nodeLabel(`${P}-alpha-main`), nodes.a);
  assert.equal(await nodeLabel(`${P}-beta-main`), nodes.b);

  // Node b's service goes away: b prunes its own container; a's stays, and a's next pass is a no-op.
  const changed = (l: LogLine) => isPass(l) && (l.reasons ?? []).some((r) => r.startsWith('source changed'));
  const pruned = b.next(changed);
  const aAgain = a.next(changed);
  await rm(join(root, 'services', `${P}-beta.toml`));
  assert.match((await pruned).message, /: 1 removed, 1 unchanged;/);
  assert.match((await aAgain).message, /: 1 unchanged;/);
  assert.deepEqual(await containerStates(`${P}-alpha-`), { [`${P}-alpha-main`]: 'running' });
  assert.deepEqual(await containerStates(`${P}-beta-`), {});
  assert.equal(await a.stop(), 0);
  assert.equal(await b.stop(), 0);
});

test('kill -9 of the agent during a rollback: the restarted agent ends on the last healthy spec, with no duplicate', async (t) => {
  const R = 'i10-k';
  await removeContainers(`${R}-`);
  t.after(() => removeContainers(`${R}-`));
  const root = join(dir, 'rollback');
  await mkdir(join(root, 'repo', 'services'), { recursive: true });
  const port = await closedPort();
  const app = (listen: number, image: string) =>
    `name = "${R}-app"\nnode = "i10k"\n[[components]]\nname = "main"\nimage = "${image}"\n` +
    `cmd = ["sh", "-c", "mkdir -p /www && echo ok > /www/index.html && exec httpd -f -h /www -p ${listen}"]\n` +
    `ports = ["127.0.0.1:${port}:8080"]\n[components.health]\nhttp = 8080\ninterval = 1\ntimeout = 1\nretries = 1\nstart_timeout = 3\n`;
  const file = join(root, 'repo', 'services', `${R}-app.toml`);
  await writeFile(file, app(8080, IMAGE_V1));
  const config = join(root, 'mcp-agent.toml');
  await writeFile(
    config,
    `node = "i10k"\nstate_dir = "${root}/state"\n[source]\npath = "${root}/repo"\ninterval = 3600\n` +
      `[podman]\nsocket = "${podmanSocket}"\nstop_timeout = 1\n[api]\nlisten = "127.0.0.1:0"\n`,
  );
  const first = daemon(t, config);
  await first.next((l) => isPass(l) && l.result === 'converged' && !/starting/.test(l.message), 60_000);
  const v1 = JSON.parse(await podman('inspect', `${R}-app-main`))[0].Config.Labels['mcp.spec-hash'];

  await writeFile(file, app(9090, IMAGE_V2));
  // The pass that decides the rollback records it; the agent dies before (or while) it is applied.
  await first.next((l) => isPass(l) && JSON.stringify(l.unhealthy ?? []).includes('rolled-back'), 60_000);
  await first.kill9();

  const second = daemon(t, config);
  const settled = await second.next(
    (l) =>
      isPass(l) && JSON.stringify(l.unhealthy ?? []).includes('"rolled-back"') && !/starting/.test(l.message),
    60_000,
  );
  assert.equal(settled.result, 'degraded', 'rolled back is not the revision applied as asked');
  const list = JSON.parse(await podman('ps', '-a', '--filter', `name=^${R}-`, '--format', 'json')) as {
    Labels: Record<string, string>;
    State: string;
  }[];
  assert.equal(list.length, 1, 'no duplicate');
  assert.equal(list[0].Labels['mcp.spec-hash'], v1, 'the last healthy spec');
  assert.equal(list[0].State, 'running');
  await second.stop();
});

test('reconcile --once converges health too: it returns once the probed service is healthy and its dependent started after it, and a probe that never answers is degraded at its start_timeout', async (t) => {
  const R = `${P}o`;
  t.after(() => removeContainers(`${R}-`));
  const root = join(dir, 'once-health');
  await mkdir(join(root, 'repo', 'services'), { recursive: true });
  const [apiPort, deadPort] = await closedPorts(2);
  const file = (name: string, body: string) =>
    writeFile(join(root, 'repo', 'services', `${R}-${name}.toml`), body);
  // The server listens only after 2 s: a single pass would find it starting.
  await file(
    'api',
    `name = "${R}-api"\nnode = "${R}"\n[[components]]\nname = "main"\nimage = "${IMAGE_V1}"\n` +
      `cmd = ["sh", "-c", "sleep 2; mkdir -p /www && echo ok > /www/index.html && exec httpd -f -h /www -p 8080"]\n` +
      `ports = ["127.0.0.1:${apiPort}:8080"]\n[components.health]\nhttp = 8080\ninterval = 1\ntimeout = 1\nretries = 1\nstart_timeout = 30\n`,
  );
  await file(
    'web',
    `name = "${R}-web"\nnode = "${R}"\ndepends_on = ["${R}-api"]\n[[components]]\nname = "main"\nimage = "${IMAGE_V1}"\ncmd = ["sleep", "3600"]\n`,
  );
  const config = join(root, 'mcp-agent.toml');
  await writeFile(
    config,
    `node = "${R}"\nstate_dir = "${root}/state"\n[source]\npath = "${root}/repo"\n` +
      `[podman]\nsocket = "${podmanSocket}"\nstop_timeout = 1\n`,
  );
  const good = await reconcileJson(t, config);
  assert.equal(good.code, 0, JSON.stringify(good.report.status));
  assert.equal(good.report.status.result, 'converged');
  assert.deepEqual(good.report.status.unhealthy ?? [], []);
  const states = JSON.parse(await podman('inspect', `${R}-api-main`, `${R}-web-main`)) as {
    State: { StartedAt: string };
  }[];
  const [api, web] = states;
  assert.equal(await (await fetch(`http://127.0.0.1:${apiPort}/`)).text(), 'ok\n', 'it serves');
  // api cannot answer before its 2 s sleep ends, so web started after api's first healthy probe.
  assert.ok(Date.parse(web.State.StartedAt) > Date.parse(api.State.StartedAt) + 2000, 'web waited for api');

  await file(
    'dead',
    `name = "${R}-dead"\nnode = "${R}"\n[[components]]\nname = "main"\nimage = "${IMAGE_V1}"\ncmd = ["sleep", "3600"]\n` +
      `ports = ["127.0.0.1:${deadPort}:8080"]\n[components.health]\nhttp = 8080\ninterval = 1\ntimeout = 1\nretries = 1\nstart_timeout = 3\n`,
  );
  const started = Date.now();
  const bad = await reconcileJson(t, config);
  assert.equal(bad.code, 1, 'degraded');
  assert.equal(bad.report.status.result, 'degraded');
  assert.ok(Date.now() - started >= 3000, 'judged when its start_timeout ran out, not before');
  assert.deepEqual(
    bad.report.status.unhealthy.map((u: { name: string; state: string }) => [u.name, u.state]),
    [[`${R}-dead-main`, 'unhealthy']],
  );
  assert.equal(bad.report.status.unhealthy[0].pending, undefined, 'nothing left to wait for');
});
