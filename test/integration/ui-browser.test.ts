/**
 * The status page in a real browser (Debian's chromium through playwright-core) against a real
 * agent process on real podman: it asks for a read token and refuses a wrong one; it lists
 * the services; a container removed by hand shows as drift and then as healed, without a
 * reload (the agent's re-create is held by a socket proxy until the test has looked); the
 * page's headers forbid inline script, and its first load stays under 100 KB. `mcp ui` shows
 * the fleet, a node that cannot be reached as down. MCP_SCREENSHOTS=DIR saves both pages.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, test } from 'node:test';
import { type Browser, chromium, type Page } from 'playwright-core';
import { tokenDigest } from '../../src/agent/api/auth.js';
import { serveFleet } from '../../src/cli/commands/ui.js';
import { closedPort } from '../support/net.js';
import { IMAGE_V1, podman, podmanSocket, removeContainers, requirePodman } from '../support/podman.js';
import { type SocketProxy, socketProxy } from '../support/socket-proxy.js';

const P = `ui${process.pid.toString(36)}`;
const NODE = `${P}node`;
const AGENT = join(import.meta.dirname, '../../src/agent/main.js');
const CHROMIUM = process.env.MCP_CHROMIUM ?? '/usr/bin/chromium';
let dir = '';
let agent: ChildProcess | undefined;
let browser: Browser | undefined;
let proxy: SocketProxy | undefined;
let api = '';
/** While set, the next container create waits for it (the heal of the drift under test). */
let holdCreates: Promise<void> | undefined;

before(async () => {
  await requirePodman();
  await removeContainers(`${P}-`);
  dir = await mkdtemp(join(tmpdir(), 'mcp-ui-'));
  await mkdir(join(dir, 'repo', 'services'), { recursive: true });
  for (const name of ['web', 'db'])
    await writeFile(
      join(dir, 'repo', 'services', `${P}-${name}.toml`),
      `name = "${P}-${name}"\nnode = "${NODE}"\n[[components]]\nname = "main"\nimage = "${IMAGE_V1}"\ncmd = ["sleep", "3600"]\n`,
    );
  proxy = await socketProxy(podmanSocket, join(dir, 'podman.sock'), {
    holdAt: (line) => (/^POST \S*\/containers\/create/.test(line) ? holdCreates : undefined),
  });
  await writeFile(
    join(dir, 'mcp-agent.toml'),
    `node = "${NODE}"\nstate_dir = "${dir}/state"\n[source]\npath = "${dir}/repo"\ninterval = 3600\n` +
      `[podman]\nsocket = "${proxy.path}"\nstop_timeout = 1\n[qemu]\naccel = "tcg"\n[api]\nlisten = "127.0.0.1:0"\n` +
      `[[api.tokens]]\nname = "viewer"\nsha256 = "${tokenDigest('read-token')}"\nrole = "read"\n`,
  );
  agent = spawn(process.execPath, [AGENT, 'run', '--config', join(dir, 'mcp-agent.toml')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  api = await new Promise<string>((resolve, reject) => {
    let url = '';
    const timer = setTimeout(() => reject(new Error('the agent did not converge within 60 s')), 60_000);
    createInterface({ input: agent!.stderr! }).on('line', (text) => {
      try {
        const line = JSON.parse(text);
        if (line.message === 'agent started') url = line.api;
        if (url && line.result === 'converged') {
          clearTimeout(timer);
          resolve(url);
        }
      } catch {}
    });
    agent!.on('exit', (code) => reject(new Error(`the agent exited (${code})`)));
  });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
});
after(async () => {
  await browser?.close();
  if (agent && agent.exitCode === null) agent.kill('SIGKILL');
  await proxy?.close();
  await removeContainers(`${P}-`);
  await rm(dir, { recursive: true, force: true });
});

const shot = async (page: Page, name: string) => {
  if (process.env.MCP_SCREENSHOTS)
    await page.screenshot({ path: join(process.env.MCP_SCREENSHOTS, name), fullPage: true });
};

test('the page asks for a token, refuses a wrong one, lists the services, and shows drift then its heal without a reload', async () => {
  const page = await browser!.newPage({ viewport: { width: 1100, height: 900 } });
  let bytes = 0;
  page.on('response', async (res) => {
    if (!res.url().includes('/events/stream'))
      bytes += (await res.body().catch(() => Buffer.alloc(0))).length;
  });
  let navigations = 0;
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame()) navigations++;
  });
  const first = await page.goto(api);
  const headers = first!.headers();
  assert.match(headers['content-security-policy'] ?? '', /script-src 'self'/);
  assert.doesNotMatch(headers['content-security-policy'] ?? '', /unsafe-inline/);
  assert.equal(headers['x-content-type-options'], 'nosniff');
  assert.equal(headers['referrer-policy'], 'no-referrer');

  await page.getByLabel(/read token/i).fill('wrong-token');
  await page.getByRole('button', { name: 'Show status' }).click();
  await page.getByText('the agent refused this token').waitFor();
  assert.equal(await page.evaluate(() => sessionStorage.length), 0, 'a refused token is not kept');

  await page.getByLabel(/read token/i).fill('read-token');
  await page.getByRole('button', { name: 'Show status' }).click();
  await page.getByRole('heading', { name: `${P}-web` }).waitFor();
  await page.getByRole('heading', { name: `${P}-db` }).waitFor();
  await page.getByRole('heading', { name: `${NODE}: converged` }).waitFor();
  await page.getByText(/^in \d+ s \(periodic; sooner on a change\)$/).waitFor();
  assert.ok((await page.getByText(/^up \d+ s$/).count()) >= 2, 'each running container has its uptime');
  assert.ok(!page.url().includes('read-token'), 'the token is not in the URL');
  assert.ok(bytes < 100 * 1024, `first load ${bytes} bytes`);
  await shot(page, 'status-node.png');

  // The heal is held at podman's door: the page shows the drift first, then the heal.
  let release = () => {};
  holdCreates = new Promise((r) => {
    release = r;
  });
  await podman('rm', '-f', '-t', '0', `${P}-web-main`);
  await page.getByText(`drift: ${P}-web-main is missing`).waitFor({ timeout: 30_000 });
  holdCreates = undefined;
  release();
  await page.getByText(/removed outside MCP \(drift, healed\)/).waitFor({ timeout: 30_000 });
  await page.getByText(`drift: ${P}-web-main is missing`).waitFor({ state: 'detached', timeout: 30_000 });
  assert.equal(navigations, 1, 'no reload: the event stream re-rendered the page');
  await page.close();
});

test('mcp ui shows the fleet, with a node that cannot be reached as down', async () => {
  const down = await closedPort();
  const fleet = await serveFleet(
    [
      { name: NODE, address: api.replace('http://', '') },
      { name: `${P}-gone`, address: `127.0.0.1:${down}` },
    ],
    'read-token',
    0,
  );
  try {
    const page = await browser!.newPage({ viewport: { width: 1100, height: 900 } });
    const res = await page.goto(fleet.url);
    assert.match(res!.headers()['content-security-policy'] ?? '', /default-src 'none'/);
    await page.getByRole('heading', { name: `${NODE}: converged` }).waitFor();
    await page.getByRole('heading', { name: `${P}-gone: unreachable` }).waitFor();
    await page.getByText(/cannot reach the agent: .*ECONNREFUSED/).waitFor();
    assert.equal(
      await page.getByLabel(/read token/i).isVisible(),
      false,
      'no token is asked: the proxy holds it',
    );
    await shot(page, 'status-fleet.png');
    await page.close();
  } finally {
    await fleet.close();
  }
});
