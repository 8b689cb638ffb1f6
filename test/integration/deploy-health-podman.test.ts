/**
 * `mcp deploy` end to end with health, as an operator at a terminal sees it: the CLI (run in
 * this process, with a TTY) commits and pushes to a real git server (`git http-backend`); the
 * node's agent (its own loop: scheduler, health board, prober) fetches over HTTP, applies on
 * real podman and answers on its real API. A healthy v1 is waited for, phase by phase; a v2
 * that never becomes healthy is rolled back, the deploy exits 4 naming it, and v1 serves again;
 * an image podman really tries to pull (and cannot: no registry is reachable) is shown pulling.
 *
 * The create and the start of the deployed instance, and a failed pull's failure, are held
 * until the API has shown their phase once (a slow runtime, injected): that the CLI sees
 * "pulling", "creating" and "starting" is then a fact of the test, not the luck of a 250 ms
 * poll against podman's speed.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gitSource } from '../../src/adapters/git/source.js';
import { createPodmanRuntime } from '../../src/adapters/podman/runtime.js';
import { openRegistry } from '../../src/adapters/sqljs/registry.js';
import { ActivityRecord } from '../../src/agent/activity.js';
import { type ApiServer, startApi } from '../../src/agent/api/server.js';
import { probeHttp } from '../../src/agent/health/index.js';
import { type Loop, startLoop } from '../../src/agent/loop.js';
import type { CliContext } from '../../src/cli/context.js';
import { EXIT } from '../../src/cli/exit-codes.js';
import { main } from '../../src/cli/main.js';
import type { ActivityPhase } from '../../src/domain/activity.js';
import { silentLogger } from '../../src/log.js';
import type { InstanceRuntime } from '../../src/ports/instance-runtime.js';
import { defaultOptions } from '../support/agent-harness.js';
import type { GitServer } from '../support/git-http.js';
import { closedPort } from '../support/net.js';
import {
  IMAGE_V1,
  IMAGE_V2,
  podman,
  podmanSocket,
  removeContainers,
  requirePodman,
} from '../support/podman.js';
import { git, opsToken, servicesRepo, writeOperatorConfig } from '../support/services-repo.js';

const NODE = `i10c${process.pid.toString(36)}`;
const P = `${NODE}-dh`;
const SERVICE = `${P}-web`;
const INSTANCE = `${SERVICE}-main`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolves once `check` holds; throws naming `what` after `ms`. */
const until = async (what: string, check: () => boolean | Promise<boolean>, ms = 60_000): Promise<void> => {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
};

/**
 * The service file: busybox httpd listening on `listen` inside, published on `port`, probed on
 * 8080 over http every second; one failure is `unhealthy`, and a new spec not healthy within
 * 3 s is rolled back (the deploy waits: the pass says the rollout is still pending).
 */
const serviceFile = (port: number, image: string, listen: number): string =>
  [
    `name = "${SERVICE}"`,
    `node = "${NODE}"`,
    '',
    '[[components]]',
    'name = "main"',
    `image = "${image}"`,
    `cmd = ["sh", "-c", "mkdir -p /www && echo ok > /www/index.html && exec httpd -f -h /www -p ${listen}"]`,
    `ports = ["127.0.0.1:${port}:8080"]`,
    '',
    '[components.health]',
    'http = 8080',
    'interval = 1',
    'timeout = 1',
    'retries = 1',
    'start_timeout = 3',
    '',
  ].join('\n');

describe('mcp deploy with health, on real podman', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-i10c-deploy-'));
  const clone = join(dir, 'clone');
  let server: GitServer;
  let api: ApiServer;
  let loop: Loop;
  let runtime: InstanceRuntime;
  let port: number;

  // Phases the apply entered, and how many of them the API has shown.
  const activity = new ActivityRecord();
  let entered = 0;
  let shown = 0;
  /** While true, the instance's create and start wait until the API has shown their phase. */
  let holding = false;
  const shownYet = () => until('the phase shown by the API', () => !holding || shown >= entered, 10_000);

  const mcp = async (...args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const ctx: CliContext = {
      cwd: dir,
      env: { MCP_CONFIG: join(dir, 'mcp.toml'), GIT_CONFIG_NOSYSTEM: '1' },
      out: (t) => out.push(...t.split('\n')),
      err: (t) => err.push(t),
      color: false,
      tty: true,
    };
    holding = true;
    try {
      const code = await main(args, ctx);
      return { code, out, err: err.join('\n') };
    } finally {
      holding = false;
    }
  };
  const serves = async () => (await probeHttp('127.0.0.1', port, '/', 1000)) === undefined;
  /** The image the instance runs; none while it is being recreated. */
  const imageOf = async () =>
    (await podman('inspect', '--format', '{{.ImageName}}', INSTANCE).catch(() => '')).trim();

  before(async () => {
    await requirePodman();
    port = await closedPort();
    // Another node's service, so the first revision is valid and gives this node nothing.
    ({ server } = await servicesRepo(dir, {
      [`services/${P}-elsewhere.toml`]: `name = "${P}-elsewhere"\nnode = "${NODE}-other"\n\n[[components]]\nname = "main"\nimage = "${IMAGE_V1}"\n`,
    }));

    const podmanRuntime = await createPodmanRuntime({ socketPath: podmanSocket, stopTimeoutSeconds: 1 });
    runtime = new Proxy(podmanRuntime, {
      get(target, prop) {
        if (prop === 'create')
          return async (...args: Parameters<InstanceRuntime['create']>) => {
            await shownYet();
            return target.create(...args);
          };
        // A pull that failed is told only once the API has shown it pulling.
        if (prop === 'ensureImage')
          return async (...args: Parameters<InstanceRuntime['ensureImage']>) => {
            try {
              return await target.ensureImage(...args);
            } catch (err) {
              await shownYet();
              throw err;
            }
          };
        if (prop === 'start')
          return async (...args: Parameters<InstanceRuntime['start']>) => {
            await shownYet();
            return target.start(...args);
          };
        const value = Reflect.get(target, prop);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const store = await openRegistry();
    const source = gitSource({
      url: server.url('services.git'),
      branch: 'main',
      gitdir: join(dir, 'agent.git'),
    });
    loop = startLoop(
      {
        node: NODE,
        source,
        runtimes: { container: runtime },
        store,
        log: silentLogger,
        progress: (name: string, phase: ActivityPhase | undefined) => {
          activity.set(name, phase);
          if (phase) entered += 1;
        },
      },
      { ...defaultOptions, stopTimeoutSeconds: 1 },
      silentLogger,
      { interval: 3600, debounceMs: 20, prober: { firstDelayMs: 200 } },
    );
    api = await startApi(
      {
        node: NODE,
        source: source.description,
        store,
        runtimes: [runtime],
        filesRoot: '/nonexistent',
        trigger: (reason) => loop.scheduler.trigger(reason),
        adopt: async () => [],
        retry: (name) => loop.board.retry(name),
        activity: (name) => {
          const now = activity.get(name);
          if (now) shown = entered;
          return now;
        },
      },
      { listen: '127.0.0.1:0', tokens: [opsToken] },
      silentLogger,
    );
    writeOperatorConfig(dir, NODE, api.url);
  });

  after(async () => {
    await loop?.stop();
    await api?.close();
    await runtime?.close();
    await server?.close();
    await removeContainers(`${P}-`);
    rmSync(dir, { recursive: true, force: true });
  });

  it('deploys a healthy v1, showing it being created, started, then healthy, and exits 0', async () => {
    writeFileSync(join(clone, 'services', `${SERVICE}.toml`), serviceFile(port, IMAGE_V1, 8080));
    git(clone, 'add', `services/${SERVICE}.toml`);
    const r = await mcp('deploy', SERVICE, '--timeout', '120');
    assert.equal(r.code, EXIT.ok, `${r.out.join('\n')}\n${r.err}`);
    const head = git(clone, 'rev-parse', 'HEAD').slice(0, 7);
    const at = (line: string) => r.out.indexOf(`${NODE}: ${INSTANCE} ${line}`);
    assert.ok(at('creating') > 0, r.out.join('\n'));
    assert.ok(at('starting') > at('creating'), r.out.join('\n'));
    assert.ok(at('running, healthy') > at('starting'), r.out.join('\n'));
    assert.match(r.out.at(-1)!, new RegExp(`^${NODE}: converged ${head} in \\d+ ms: `));
    assert.ok(await serves(), 'v1 serves');
  });

  it('deploys a v2 that never becomes healthy: rolled back, exit 4 naming it, and v1 serves again', async () => {
    writeFileSync(join(clone, 'services', `${SERVICE}.toml`), serviceFile(port, IMAGE_V2, 9090));
    const r = await mcp('deploy', SERVICE, '--timeout', '120');
    assert.equal(r.code, EXIT.notConverged, `${r.out.join('\n')}\n${r.err}`);
    const head = git(clone, 'rev-parse', 'HEAD').slice(0, 7);
    const v2 = r.out.slice(1);
    assert.ok(v2.includes(`${NODE}: ${INSTANCE} creating`), r.out.join('\n'));
    assert.ok(v2.indexOf(`${NODE}: ${INSTANCE} starting`) > v2.indexOf(`${NODE}: ${INSTANCE} creating`));
    assert.ok(
      r.out.some((l) => new RegExp(`^${NODE}: degraded ${head} in \\d+ ms: `).test(l)),
      r.out.join('\n'),
    );
    assert.ok(
      r.out.some((l) => l.startsWith(`${NODE}: ${INSTANCE} rolled back: `) && /unhealthy after 3 s/.test(l)),
      r.out.join('\n'),
    );
    await until('v1 serving again', async () => (await imageOf()) === IMAGE_V1 && (await serves()));
  });

  it('deploys an image that is neither local nor pullable: shows it pulling, exits 4, and v1 keeps serving', async () => {
    const missing = `localhost/${P}-missing:never`;
    writeFileSync(join(clone, 'services', `${SERVICE}.toml`), serviceFile(port, missing, 8080));
    const r = await mcp('deploy', SERVICE, '--timeout', '120');
    assert.equal(r.code, EXIT.notConverged, `${r.out.join('\n')}\n${r.err}`);
    assert.ok(r.out.includes(`${NODE}: ${INSTANCE} pulling`), r.out.join('\n'));
    assert.match(r.out.at(-2)!, new RegExp(`^${NODE}: degraded \\w{7} in \\d+ ms: 1 failed`));
    assert.match(
      r.out.at(-1)!,
      new RegExp(`^${NODE}: ${INSTANCE} IMAGE_UNAVAILABLE: .*${P}-missing:never`),
      'and why',
    );
    assert.equal(await imageOf(), IMAGE_V1);
    assert.ok(await serves(), 'v1 serves');
  });
});
