/**
 * The agent's memory under an upload flood: 16 concurrent PUTs of 64 MiB to the files API,
 * unauthenticated (refused from their headers) and then authenticated (streamed to disk),
 * against a real `mcp-agent run` whose resident set is sampled from /proc every 20 ms. The
 * agent follows a directory with one service and is given a podman socket nothing listens
 * on: its passes fail, its API serves, and no container of anyone's is touched.
 * `node dist/test/bench/api-flood.js [CLIENTS] [MIB]`
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { tokenDigest } from '../../src/agent/api/auth.js';

const clients = Number(process.argv[2] ?? 16);
const mib = Number(process.argv[3] ?? 64);
const dir = mkdtempSync(join(tmpdir(), 'mcp-bench-flood-'));
mkdirSync(join(dir, 'repo', 'services'), { recursive: true });
writeFileSync(
  join(dir, 'repo', 'services', 'wiki.toml'),
  'name = "wiki"\nnode = "flood"\n[[components]]\nname = "api"\nimage = "localhost/flood/wiki:v1"\n',
);
writeFileSync(
  join(dir, 'mcp-agent.toml'),
  `node = "flood"\nstate_dir = "state"\n[source]\npath = "repo"\ninterval = 3600\n` +
    `[podman]\nsocket = "no-podman.sock"\n` +
    `[api]\nlisten = "127.0.0.1:0"\nfiles_root = "srv"\n` +
    `[[api.tokens]]\nname = "ops"\nsha256 = "${tokenDigest('operate-token')}"\nrole = "operate"\n`,
);
const child = spawn(
  process.execPath,
  [join(import.meta.dirname, '../../src/agent/main.js'), 'run', '--config', join(dir, 'mcp-agent.toml')],
  { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] },
);
const url = await new Promise<string>((resolve) =>
  createInterface({ input: child.stderr }).on('line', (line) => {
    const api = /"api":"([^"]+)"/.exec(line)?.[1];
    if (api) resolve(api);
  }),
);
await new Promise((r) => setTimeout(r, 1000));

const rssMb = async (): Promise<number> => {
  const status = await readFile(`/proc/${child.pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
};

/** Peak RSS while `fn` runs, and RSS once it is over. */
const sampled = async (fn: () => Promise<unknown>) => {
  let peak = await rssMb();
  const timer = setInterval(async () => {
    peak = Math.max(peak, await rssMb().catch(() => 0));
  }, 20);
  const t0 = performance.now();
  await fn();
  const ms = performance.now() - t0;
  clearInterval(timer);
  await new Promise((r) => setTimeout(r, 500));
  return { peak: Math.max(peak, await rssMb()), after: await rssMb(), ms };
};

const chunk = Buffer.alloc(1 << 20, 'x');

/** One PUT of `mib` MiB, written chunk by chunk as the socket drains; resolves with the status (0: cut off). */
const upload = (path: string, token?: string): Promise<number> =>
  new Promise((resolve) => {
    const req = request(`${url}${path}`, {
      method: 'PUT',
      headers: { 'content-length': mib << 20, ...(token && { authorization: `Bearer ${token}` }) },
    });
    let status = 0;
    req.on('response', (res) => {
      status = res.statusCode ?? 0;
      res.resume();
      res.on('end', () => resolve(status));
    });
    req.on('error', () => resolve(status));
    let sent = 0;
    const pump = () => {
      while (sent < mib) {
        sent++;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });

const idle = await rssMb();
const flood = (token?: string) => () =>
  Promise.all(Array.from({ length: clients }, (_, i) => upload(`/v1/files/wiki/flood-${i}.bin`, token)));
let statuses: number[] = [];
const anonymous = await sampled(async () => {
  statuses = await flood()();
});
const anonymousStatuses = statuses;
const authorised = await sampled(async () => {
  statuses = await flood('operate-token')();
});
child.kill('SIGTERM');
await new Promise((r) => child.once('exit', r));
rmSync(dir, { recursive: true, force: true });

const count = (xs: number[]) => {
  const by = new Map<number, number>();
  for (const x of xs) by.set(x, (by.get(x) ?? 0) + 1);
  return [...by].map(([s, n]) => `${n}× ${s || 'cut off'}`).join(', ');
};
console.log(
  `agent API under ${clients} concurrent PUTs of ${mib} MiB; RSS of the agent (idle ${idle.toFixed(0)} MB):\n`,
);
console.log('| flood | answers | peak RSS | RSS after | wall time |');
console.log('| --- | --- | ---: | ---: | ---: |');
console.log(
  `| unauthenticated | ${count(anonymousStatuses)} | ${anonymous.peak.toFixed(0)} MB | ${anonymous.after.toFixed(0)} MB | ${anonymous.ms.toFixed(0)} ms |`,
);
console.log(
  `| operate token (streamed to disk) | ${count(statuses)} | ${authorised.peak.toFixed(0)} MB | ${authorised.after.toFixed(0)} MB | ${authorised.ms.toFixed(0)} ms |`,
);
