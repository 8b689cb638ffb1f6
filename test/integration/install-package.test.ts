/**
 * The install an operator does on a node: `npm pack` of this repository, then
 * `npm install -g` of that one tarball into an empty prefix from an empty directory. The
 * installed `mcp` and `mcp-agent` run through npm's bin symlinks, with nothing of the
 * repository beside them: their version, their schemas and generated validators (`mcp
 * validate` on the shipped examples), the revision loader's worker and podman (a one-shot
 * reconcile), the status page's files (a running agent serves them).
 * Dependencies come from npm's cache when it holds them (--offline), else the registry.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { tokenDigest } from '../../src/agent/api/auth.js';
import {
  containerStates,
  IMAGE_V1,
  podmanSocket,
  removeContainers,
  requirePodman,
} from '../support/podman.js';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '../../..');
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  devDependencies: Record<string, string>;
};
/** Names and node unique to this run. */
const P = `ins${process.pid.toString(36)}`;
const NODE = `${P}node`;

let dir = '';
let tarball = '';
let prefix = '';
let installed = '';
let agent: ChildProcess | undefined;
/** How long packing and installing took, reported with the first test. */
let timing = '';

/** The environment without what `npm test` sets for its scripts (npm_config_prefix and the like). */
const cleanEnv = (): NodeJS.ProcessEnv =>
  Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith('npm_')));

/** Runs an installed binary from the empty directory; its exit code and output. */
const bin = async (name: 'mcp' | 'mcp-agent', ...args: string[]) => {
  try {
    const { stdout, stderr } = await run(join(prefix, 'bin', name), args, {
      cwd: join(dir, 'empty'),
      env: cleanEnv(),
    });
    return { code: 0, out: stdout, err: stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: e.stdout, err: e.stderr };
  }
};

before(async () => {
  await requirePodman();
  dir = await mkdtemp(join(tmpdir(), 'mcp-install-'));
  prefix = join(dir, 'prefix');
  await mkdir(join(dir, 'empty'));
  const started = Date.now();
  // dist/ is built already (the tests run from it): --ignore-scripts skips prepack's rebuild,
  // which would delete it under the running suite.
  const packed = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], {
    cwd: ROOT,
    env: cleanEnv(),
  });
  tarball = join(dir, (JSON.parse(packed.stdout) as { filename: string }[])[0].filename);
  const packMs = Date.now() - started;
  // Nothing of MCP needs an install script (the test below checks package.json declares none),
  // so none runs: --ignore-scripts also skips compiling ssh2's optional native parts, which MCP
  // never uses (docker-modem needs them for ssh:// only). npm's cache first, else the registry.
  const install = (cache: string) =>
    run(
      'npm',
      ['install', '-g', '--prefix', prefix, cache, '--ignore-scripts', '--no-audit', '--no-fund', tarball],
      {
        cwd: join(dir, 'empty'),
        env: cleanEnv(),
        maxBuffer: 16 << 20,
      },
    );
  await install('--offline').catch(() => install('--prefer-offline'));
  installed = join(prefix, 'lib', 'node_modules', PKG.name);
  timing = `npm pack ${packMs} ms, npm install -g ${Date.now() - started - packMs} ms`;
});

after(async () => {
  if (agent && agent.exitCode === null && agent.signalCode === null) agent.kill('SIGKILL');
  await removeContainers(`${P}-`);
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('the tarball is named after package.json and holds the built program, not the tests or the sources', async (t) => {
  t.diagnostic(timing);
  assert.equal(tarball, join(dir, `${PKG.name}-${PKG.version}.tgz`));
  const files = (await run('tar', ['tzf', tarball])).stdout.split('\n').filter(Boolean);
  for (const f of [
    'package/package.json',
    'package/README.md',
    'package/dist/src/cli/main.js',
    'package/dist/src/agent/main.js',
    'package/dist/src/agent/loader-worker.js',
    'package/dist/src/generated/service.validate.js',
    'package/dist/src/ui/index.html',
    'package/dist/src/ui/app.js',
    'package/dist/schema/agent.schema.json',
    'package/schema/service.schema.json',
    'package/deploy/mcp-agent.service',
    'package/examples/services/services/mcr.toml',
  ])
    assert.ok(files.includes(f), `${f} is in the tarball`);
  const stray = files.filter((f) => /^package\/(src|test|scripts|dist\/test)\/|tsbuildinfo|\.ts$/.test(f));
  assert.deepEqual(stray, [], 'no sources, tests or build leftovers');
});

test('the install brings the runtime dependencies only, runs no script of MCP, and links both binaries', () => {
  const shipped = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8'));
  const scripts = Object.keys(shipped.scripts ?? {});
  const atInstall = ['preinstall', 'install', 'postinstall', 'prepare'];
  assert.deepEqual(
    scripts.filter((s) => atInstall.includes(s)),
    [],
    'no build step at install time',
  );
  const deps = new Set(readdirSync(join(installed, 'node_modules')));
  assert.ok(deps.has('dockerode') && deps.has('sql.js'), 'runtime dependencies are installed');
  // @types/* come along as dependencies of dependencies (winston's), so only the rest is checked.
  const dev = Object.keys(PKG.devDependencies).filter((d) => !d.startsWith('@types/'));
  assert.deepEqual(
    dev.filter((d) => deps.has(d.split('/')[0])),
    [],
    'no development dependency',
  );
  for (const name of ['mcp', 'mcp-agent']) assert.ok(lstatSync(join(prefix, 'bin', name)).isSymbolicLink());
});

test('both binaries print package.json’s version through their symlinks', async () => {
  assert.deepEqual(await bin('mcp', '--version'), { code: 0, out: `mcp ${PKG.version}\n`, err: '' });
  assert.deepEqual(await bin('mcp-agent', '--version'), {
    code: 0,
    out: `mcp-agent ${PKG.version}\n`,
    err: '',
  });
});

test('mcp validate accepts the shipped examples under their policy and reports an invalid one', async () => {
  const examples = join(installed, 'examples');
  const good = await bin(
    'mcp',
    'validate',
    join(examples, 'services'),
    '--policy',
    join(examples, 'agent', 'mcp-agent.toml'),
  );
  assert.equal(good.code, 0, good.err);
  const demo = await bin(
    'mcp',
    'validate',
    join(examples, 'demo'),
    '--policy',
    join(examples, 'demo', 'mcp-agent.toml'),
  );
  assert.equal(demo.code, 0, demo.err);
  const bad = await bin('mcp', 'validate', join(examples, 'invalid', 'unknown-key'), '--no-policy');
  assert.equal(bad.code, 1);
  assert.match(bad.out + bad.err, /unknown key/);
});

test('the shipped systemd unit passes systemd-analyze verify with ExecStart at this install’s mcp-agent', async () => {
  const unit = join(dir, 'unit', 'mcp-agent.service');
  await mkdir(join(dir, 'unit'));
  const shipped = readFileSync(join(installed, 'deploy', 'mcp-agent.service'), 'utf8');
  await writeFile(
    unit,
    shipped.replace('ExecStart=/usr/bin/mcp-agent ', `ExecStart=${join(prefix, 'bin', 'mcp-agent')} `),
  );
  const { stdout, stderr } = await run('systemd-analyze', ['verify', unit]);
  assert.equal(stdout + stderr, '');
});

/** The agent's config for this test's node: a directory source, the test podman, an API on a free port. */
const agentConfig = async (): Promise<string> => {
  await mkdir(join(dir, 'repo', 'services'), { recursive: true });
  await writeFile(
    join(dir, 'repo', 'services', `${P}-web.toml`),
    `name = "${P}-web"\nnode = "${NODE}"\n[[components]]\nname = "main"\nimage = "${IMAGE_V1}"\ncmd = ["httpd", "-f", "-p", "8080"]\n`,
  );
  const config = join(dir, 'mcp-agent.toml');
  await writeFile(
    config,
    `node = "${NODE}"\nstate_dir = "${dir}/state"\n[source]\npath = "${dir}/repo"\ninterval = 3600\n` +
      `[podman]\nsocket = "${podmanSocket}"\nstop_timeout = 1\n[qemu]\naccel = "tcg"\n` +
      `[api]\nlisten = "127.0.0.1:0"\n[[api.tokens]]\nname = "viewer"\nsha256 = "${tokenDigest('read-token')}"\nrole = "read"\n`,
  );
  return config;
};

test('mcp-agent reconcile --once converges a service on podman, then a running agent serves its page and version', async () => {
  const config = await agentConfig();
  const once = await bin('mcp-agent', 'reconcile', '--once', '--json', '--config', config);
  assert.equal(once.code, 0, once.err);
  assert.equal(JSON.parse(once.out).status.result, 'converged');
  assert.equal((await containerStates(`${P}-`))[`${P}-web-main`], 'running');

  const child = spawn(join(prefix, 'bin', 'mcp-agent'), ['run', '--config', config], {
    cwd: join(dir, 'empty'),
    env: cleanEnv(),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  agent = child;
  const api = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the agent did not start within 60 s')), 60_000);
    createInterface({ input: child.stderr! }).on('line', (text) => {
      const line = (() => {
        try {
          return JSON.parse(text) as { message?: string; api?: string };
        } catch {
          return {};
        }
      })();
      if (line.message === 'agent started' && line.api) {
        clearTimeout(timer);
        resolve(line.api);
      }
    });
    child.on('exit', (code) => reject(new Error(`the agent exited (${code})`)));
  });
  const page = await fetch(`${api}/`);
  assert.equal(page.status, 200);
  assert.match(await page.text(), /<html/i);
  assert.equal((await fetch(`${api}/ui/app.js`)).status, 200);
  assert.equal((await fetch(`${api}/ui/style.css`)).status, 200);
  const status = await fetch(`${api}/v1/status`, { headers: { authorization: 'Bearer read-token' } });
  assert.equal((await status.json()).version, PKG.version);
  const exited = new Promise((resolve) => child.on('exit', resolve));
  child.kill('SIGTERM');
  assert.equal(await exited, 0);
});
