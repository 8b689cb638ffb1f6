/**
 * `GET /metrics` of a real agent process on real podman, parsed with a real Prometheus
 * exposition-format parser: the values are the test's own (its passes, its two running
 * containers, its revision); the read token and the metrics-only token may scrape, no token or
 * a wrong one may not, and the metrics token reads nothing else.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, test } from 'node:test';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { tokenDigest } from '../../src/agent/api/auth.js';
import { IMAGE_V1, podmanSocket, removeContainers, requirePodman } from '../support/podman.js';

const P = `met${process.pid.toString(36)}`;
const NODE = `${P}node`;
const AGENT = join(import.meta.dirname, '../../src/agent/main.js');
let dir = '';
let child: ChildProcess | undefined;

before(async () => {
  await requirePodman();
  await removeContainers(`${P}-`);
  dir = await mkdtemp(join(tmpdir(), 'mcp-metrics-'));
  await mkdir(join(dir, 'repo', 'services'), { recursive: true });
  for (const name of ['a', 'b'])
    await writeFile(
      join(dir, 'repo', 'services', `${P}-${name}.toml`),
      `name = "${P}-${name}"\nnode = "${NODE}"\n[[components]]\nname = "main"\nimage = "${IMAGE_V1}"\ncmd = ["sleep", "3600"]\n`,
    );
  await writeFile(
    join(dir, 'mcp-agent.toml'),
    `node = "${NODE}"\nstate_dir = "${dir}/state"\n[source]\npath = "${dir}/repo"\ninterval = 3600\n` +
      `[podman]\nsocket = "${podmanSocket}"\nstop_timeout = 1\n[qemu]\naccel = "tcg"\n[api]\nlisten = "127.0.0.1:0"\n` +
      `metrics_token = "${tokenDigest('scrape-token')}"\n` +
      `[[api.tokens]]\nname = "viewer"\nsha256 = "${tokenDigest('read-token')}"\nrole = "read"\n`,
  );
});
after(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  await removeContainers(`${P}-`);
  await rm(dir, { recursive: true, force: true });
});

/** Starts the agent; resolves with its API URL once its first pass converged. */
const start = (): Promise<string> =>
  new Promise((resolve, reject) => {
    child = spawn(process.execPath, [AGENT, 'run', '--config', join(dir, 'mcp-agent.toml')], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let api = '';
    const timer = setTimeout(() => reject(new Error('no converged pass within 60 s')), 60_000);
    createInterface({ input: child.stderr! }).on('line', (text) => {
      let line: { message?: string; api?: string; result?: string };
      try {
        line = JSON.parse(text);
      } catch {
        return;
      }
      if (line.message === 'agent started') api = line.api ?? '';
      if (api && line.result === 'converged') {
        clearTimeout(timer);
        resolve(api);
      }
    });
    child.on('exit', (code) => reject(new Error(`the agent exited (${code})`)));
  });

test('a real agent exposes its metrics to a read token and the metrics token, values its own', async () => {
  const api = await start();
  const scrape = (token?: string) =>
    fetch(`${api}/metrics`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  assert.equal((await scrape()).status, 401);
  assert.equal((await scrape('wrong-token')).status, 401);
  const other = await fetch(`${api}/v1/status`, { headers: { authorization: 'Bearer scrape-token' } });
  assert.equal(other.status, 401, 'the metrics token reads /metrics only');

  for (const token of ['read-token', 'scrape-token']) {
    const res = await scrape(token);
    assert.equal(res.status, 200, token);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const families = new Map(parsePrometheusTextFormat(await res.text()).map((f) => [f.name, f]));
    const value = (name: string, labels: Record<string, string> = {}) =>
      families.get(name)?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v))
        ?.value;

    assert.ok(Number(value('mcp_passes_total', { result: 'converged' })) >= 1, 'its converged pass');
    assert.equal(families.get('mcp_pass_duration_seconds')?.type, 'HISTOGRAM');
    const buckets = families
      .get('mcp_pass_duration_seconds')!
      .metrics.map((m) => Number(m.buckets?.['+Inf']));
    assert.ok(
      buckets.some((n) => n >= 1),
      'its pass in the histogram',
    );
    assert.equal(value('mcp_actions_total', { outcome: 'created' }), '2', 'its two creates');
    assert.equal(value('mcp_events_total', { kind: 'created' }), '2', 'and their events');
    assert.equal(value('mcp_newest_revision', { fate: 'applied' }), '1');
    assert.equal(value('mcp_instances', { kind: 'container', state: 'running', health: 'none' }), '2');
    assert.equal(value('mcp_revision_info', { revision: 'directory', source: join(dir, 'repo') }), '1');
    assert.ok(Number(value('mcp_last_converged_pass_timestamp_seconds')) * 1000 > Date.now() - 120_000);
    assert.ok(Number(value('mcp_runtime_relists_total')) >= 1, 'the informer listed at start');
    assert.equal(families.get('mcp_runtime_event_stream_reconnects_total')?.type, 'COUNTER');
    assert.equal(families.get('mcp_source_fetch_errors_total')?.metrics[0]?.value, '0');
    assert.ok(families.has('mcp_agent_process_resident_memory_bytes'), 'process metrics');
  }
});
