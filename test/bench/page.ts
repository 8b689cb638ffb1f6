/**
 * The status page and the read endpoints under load, in one process: the agent's API
 * (startApi, with its metrics and the store's feed) over the in-memory runtime with 200
 * services, while passes run back to back (each recreates every instance; the runtime answers
 * each call after 1 ms, as a socket would). Reports the page's first load (HTML, JS, CSS, config and the first
 * data, as the browser asks for them) in ms and bytes, `GET /v1/status` and `GET /metrics`
 * under autocannon (its own process; 50 connections, 10 s) with p50 / p99 and errors, and the process's resident
 * set idle afterwards with an event stream open (the page left open).
 * `node dist/test/bench/page.js [SERVICES] [SECONDS]`
 */

import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tokenDigest } from '../../src/agent/api/auth.js';
import { startApi } from '../../src/agent/api/server.js';
import { createMetrics } from '../../src/agent/metrics/index.js';
import { silentLogger } from '../../src/log.js';
import { harness } from '../support/agent-harness.js';
import { service } from '../support/plan-builders.js';
import { fmtMs, median } from './support.js';

const n = Number(process.argv[2] ?? 200);
const seconds = Number(process.argv[3] ?? 10);
const h = await harness('bench', { latencyMs: 1 });
const revision = (tag: string) =>
  Array.from({ length: n }, (_, i) => {
    const s = service(`svc${i}`, ['main'], { node: 'bench' });
    return { ...s, components: s.components.map((c) => ({ ...c, image: `${c.image}-${tag}` })) };
  });
for (const tag of ['a', 'b'])
  for (const s of revision(tag)) for (const c of s.components) h.runtime.addImage(c.image);
h.serve(revision('a'), 'c0');
await h.pass();
const metrics = createMetrics({ store: h.store, source: 'bench', runtimes: [h.runtime] });
const api = await startApi(
  {
    node: 'bench',
    source: 'bench',
    store: h.store,
    runtimes: [h.runtime],
    filesRoot: '/nonexistent',
    trigger: async () => {},
    adopt: async () => [],
    metrics: async () => ({ contentType: metrics.contentType, text: await metrics.text() }),
  },
  { listen: '127.0.0.1:0', tokens: [{ name: 'viewer', sha256: tokenDigest('read-token'), role: 'read' }] },
  silentLogger,
);
const auth = { authorization: 'Bearer read-token' };

// The first load, as the page makes it: the static files, then its config, then the data.
const loads: number[] = [];
let bytes = 0;
for (let i = 0; i < 20; i++) {
  const t0 = performance.now();
  let b = 0;
  const get = async (path: string, headers = {}) => {
    b += (await (await fetch(`${api.url}${path}`, { headers })).arrayBuffer()).byteLength;
  };
  await get('/');
  await Promise.all([get('/ui/app.js'), get('/ui/style.css')]);
  await get('/ui/config.json');
  await Promise.all([get('/v1/status', auth), get('/v1/services', auth), get('/v1/events?limit=100', auth)]);
  loads.push(performance.now() - t0);
  bytes = b;
}

let stop = false;
let passes = 0;
const passing = (async () => {
  for (let i = 0; !stop; i++) {
    h.serve(revision(i % 2 ? 'a' : 'b'), `c${i + 1}`);
    await h.pass();
    passes++;
  }
})();
/** autocannon in a process of its own, so the load it makes does not share the agent's event loop. */
const AUTOCANNON = createRequire(import.meta.url).resolve('autocannon/autocannon.js');
const load = async (path: string) => {
  const args = [
    AUTOCANNON,
    '-j',
    '-c',
    '50',
    '-d',
    String(seconds),
    '-H',
    `authorization=${auth.authorization}`,
    `${api.url}${path}`,
  ];
  const out = await new Promise<string>((resolve, reject) =>
    execFile(process.execPath, args, { maxBuffer: 1 << 24 }, (err, stdout) =>
      err ? reject(err) : resolve(stdout),
    ),
  );
  const r = JSON.parse(out) as {
    requests: { total: number };
    latency: { p50: number; p99: number };
    errors: number;
    non2xx: number;
  };
  return `| \`GET ${path}\` | ${r.requests.total} | ${r.latency.p50} ms | ${r.latency.p99} ms | ${r.errors + r.non2xx} |`;
};
const rows = [await load('/v1/status'), await load('/metrics')];
stop = true;
await passing;

// Idle with the page open: an event stream held, nothing else.
const stream = await fetch(`${api.url}/v1/events/stream`, { headers: auth });
await new Promise((r) => setTimeout(r, 2000));
global.gc?.();
const rss = Number(/VmRSS:\s+(\d+)/.exec(await readFile('/proc/self/status', 'utf8'))?.[1] ?? 0) / 1024;
await stream.body?.cancel();

console.log(`Status page and read endpoints, ${n} services, in-memory runtime (one process):\n`);
console.log(
  `First load (HTML, JS, CSS, config, first data; median of 20 on loopback): ${fmtMs(median(loads))}, ${(bytes / 1024).toFixed(1)} KB\n`,
);
console.log(
  `Under load while passes run back to back (${passes} passes of ${n} recreates meanwhile), autocannon 50 connections, ${seconds} s each:\n`,
);
console.log('| endpoint | requests | p50 | p99 | errors |');
console.log('| --- | ---: | ---: | ---: | ---: |');
for (const row of rows) console.log(row);
console.log(`\nResident set of the process afterwards, idle with an event stream open: ${rss.toFixed(0)} MB`);
await api.close();
metrics.close();
