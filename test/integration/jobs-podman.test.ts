/**
 * Deploy jobs on a real agent process and real podman: a pre-deploy migration writes its
 * marker into a volume before the new version starts (which sees it); a migration that fails
 * leaves v1 serving, with its exit code and log in `mcp status SERVICE`; a post-deploy smoke
 * test that fails rolls the new version back. Job containers are gone after each run.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { access, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { tokenDigest } from '../../src/agent/api/auth.js';
import { type AgentProcess, startAgent, until } from '../support/agent-process.js';
import { IMAGE_V1, podman, podmanSocket, removeContainers, requirePodman } from '../support/podman.js';

const run = promisify(execFile);
const P = `job${process.pid.toString(36)}`;
const NODE = `${P}node`;
const APP = `${P}-app`;
const CLI = join(import.meta.dirname, '../../src/cli/main.js');
let dir = '';
let agent: AgentProcess | undefined;

before(async () => {
  await requirePodman();
  await removeContainers(`${P}-`);
  dir = await mkdtemp(join(tmpdir(), 'mcp-jobs-'));
  await mkdir(join(dir, 'repo', 'services'), { recursive: true });
  await mkdir(join(dir, 'data'));
  await writeFile(
    join(dir, 'mcp-agent.toml'),
    `node = "${NODE}"\nstate_dir = "${dir}/state"\n[source]\npath = "${dir}/repo"\ninterval = 3600\n` +
      `[podman]\nsocket = "${podmanSocket}"\nstop_timeout = 1\n[qemu]\naccel = "tcg"\n[api]\nlisten = "127.0.0.1:0"\n` +
      `[[api.tokens]]\nname = "ops"\nsha256 = "${tokenDigest('operate-token')}"\nrole = "operate"\n` +
      `[admission]\nallowed_volume_roots = ["${dir}/data"]\n`,
  );
});
after(async () => {
  agent?.kill();
  await removeContainers(`${P}-`);
  await rm(dir, { recursive: true, force: true });
});

/** The service at `version`: a web component on the volume, a migration before it, a smoke test after. */
const deploy = (version: string, migrate: string, smoke: string) =>
  writeFile(
    join(dir, 'repo', 'services', `${APP}.toml`),
    `name = "${APP}"\nnode = "${NODE}"\n` +
      `[[components]]\nname = "web"\nimage = "${IMAGE_V1}"\nvolumes = ["${dir}/data:/data"]\nenv = ["VERSION=${version}"]\n` +
      `cmd = ["sh", "-c", "echo version $VERSION sees: $(ls /data); exec sleep 3600"]\n` +
      `health = { cmd = ["true"], interval = 1, timeout = 2, retries = 1, start_timeout = 20 }\n` +
      `[[components]]\nname = "migrate"\nkind = "job"\nwhen = "pre-deploy"\ntimeout = 30\nimage = "${IMAGE_V1}"\n` +
      `volumes = ["${dir}/data:/data"]\ncmd = ["sh", "-c", ${JSON.stringify(migrate)}]\n` +
      `[[components]]\nname = "smoke"\nkind = "job"\nwhen = "post-deploy"\ntimeout = 30\nimage = "${IMAGE_V1}"\n` +
      `cmd = ["sh", "-c", ${JSON.stringify(smoke)}]\n`,
  );

interface JobsView {
  services: { name: string; jobs: { instance: string; lastRun: { result: string; key: string } | null }[] }[];
}

const lastRun = async (job: string) =>
  (JSON.parse(await agent!.get('/v1/services')) as JobsView).services
    .find((s) => s.name === APP)
    ?.jobs.find((j) => j.instance === `${APP}-${job}`)?.lastRun;

const webId = async () => (await podman('inspect', '--format', '{{.Id}}', `${APP}-web`)).trim();
/** web's environment; '' while it is being recreated. */
const webEnv = async () =>
  (
    await podman('inspect', '--format', '{{json .Config.Env}} {{.State.Status}}', `${APP}-web`).catch(
      () => '',
    )
  ).trim();
const jobContainers = async () =>
  (
    await podman(
      'ps',
      '-a',
      '--filter',
      `label=mcp.job=true`,
      '--filter',
      `name=^${P}-`,
      '--format',
      '{{.Names}}',
    )
  ).trim();
const events = async () => agent!.get('/v1/events?limit=50');

const status = async (): Promise<string> => {
  await writeFile(join(dir, 'token'), 'operate-token\n', { mode: 0o600 });
  await writeFile(
    join(dir, 'mcp.toml'),
    `[auth]\ntoken_path = "${join(dir, 'token')}"\n[[nodes]]\nname = "${NODE}"\naddress = "${agent!.api}"\n`,
  );
  const r = await run(process.execPath, [CLI, 'status', APP], {
    env: { ...process.env, MCP_CONFIG: join(dir, 'mcp.toml') },
  }).catch((err: { stdout: string; stderr: string }) => err);
  return `${r.stdout}${r.stderr}`;
};

test('pre-deploy migrations, a failing migration, and a failing smoke test on a real agent', async () => {
  agent = await startAgent(join(dir, 'mcp-agent.toml'), 'operate-token');

  // v1: the migration's marker is there before web starts; the smoke test runs once web is healthy.
  await deploy('v1', 'echo migrating to v1; touch /data/migrated-v1', 'echo smoke ok');
  await agent.pass();
  await until(
    'the smoke test of v1 ran',
    async () => (await lastRun('smoke'))?.result === 'succeeded',
    events,
  );
  await access(join(dir, 'data', 'migrated-v1'));
  assert.match(await podman('logs', `${APP}-web`), /version v1 sees: migrated-v1/);
  assert.equal(await jobContainers(), '', 'job containers are removed after their run');
  const v1 = await webId();

  // v2: the migration fails; v1 keeps serving, and status says why with the job's log.
  await deploy('v2', 'echo migration 2 cannot run >&2; exit 3', 'echo smoke ok');
  const held = await agent.pass();
  assert.equal(held.result, 'degraded');
  assert.match(
    held.errors.map((e) => `${e.code} ${e.message}`).join('\n'),
    new RegExp(
      `JOB_FAILED pre-deploy job ${APP}-migrate failed \\(exit 3\\): the change of ${APP} is held; its log ends: migration 2 cannot run`,
    ),
  );
  assert.equal(await webId(), v1, 'v1 is not touched');
  assert.match(
    await status(),
    new RegExp(`job ${APP}-migrate \\(pre-deploy\\): failed .* exit 3; its log ends: migration 2 cannot run`),
  );
  await agent.pass();
  assert.equal(await webId(), v1, 'the failed migration is not run again for the same change');

  // v3: the migration passes, web v3 starts and turns healthy, the smoke test fails: back to v1.
  await deploy('v3', 'touch /data/migrated-v3', 'echo GET / 500; exit 1');
  await agent.pass();
  await until('v3 rolled back', async () => (await events()).includes('"kind":"rolled-back"'), events);
  await until('v1 running again', async () => /VERSION=v1.* running$/.test(await webEnv()), events);
  assert.equal((await lastRun('smoke'))?.result, 'failed');
  await access(join(dir, 'data', 'migrated-v3'));
  assert.match(
    await status(),
    new RegExp(`job ${APP}-smoke \\(post-deploy\\): failed .* exit 1; its log ends: GET / 500`),
  );
  assert.equal(await jobContainers(), '');
});
