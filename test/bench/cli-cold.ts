/**
 * Cold starts of the operator's CLI, as a person at a prompt meets them: `mcp --help`, and
 * `mcp status` against 3 agents (real agent API servers over HTTP, in-memory state): all
 * reachable, one refusing connections, and one that accepts but never answers (bounded by
 * `--timeout 2`). Median of N fresh processes each (default 10).
 * `node dist/test/bench/cli-cold.js [runs]`.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ApiToken, tokenDigest } from '../../src/agent/api/auth.js';
import { type ApiServer, startApi } from '../../src/agent/api/server.js';
import { silentLogger } from '../../src/log.js';
import { harness } from '../support/agent-harness.js';
import { closedPort } from '../support/net.js';
import { service } from '../support/plan-builders.js';

const runs = Number(process.argv[2] ?? 10);
const MAIN = join(import.meta.dirname, '../../src/cli/main.js');
const tokens: ApiToken[] = [{ name: 'bench', sha256: tokenDigest('bench-token'), role: 'read' }];

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Wall time of one fresh `mcp ARGS` process (asynchronous, so the agents in this process keep serving). */
const once = (args: string[], env: Record<string, string>): Promise<{ ms: number; code: number | null }> =>
  new Promise((resolve) => {
    const start = process.hrtime.bigint();
    const child = spawn(process.execPath, [MAIN, ...args], {
      env: { PATH: process.env.PATH, ...env },
      stdio: 'ignore',
    });
    child.on('exit', (code) => resolve({ ms: Number(process.hrtime.bigint() - start) / 1e6, code }));
  });

const series = async (args: string[], env: Record<string, string>, expect: number) => {
  await once(args, env);
  const times: number[] = [];
  for (let n = 0; n < runs; n++) {
    const r = await once(args, env);
    if (r.code !== expect) throw new Error(`mcp ${args.join(' ')} exited ${r.code}, expected ${expect}`);
    times.push(r.ms);
  }
  return { median: median(times), fastest: Math.min(...times) };
};

const agent = async (node: string): Promise<ApiServer> => {
  const h = await harness(node);
  const services = [
    service(`${node}-a`, ['main'], { node }),
    service(`${node}-b`, ['main', 'side'], { node }),
  ];
  for (const s of services) for (const c of s.components) h.runtime.addImage(c.image);
  h.serve(services, 'abc1234def');
  await h.pass();
  return startApi(
    {
      node,
      source: 'bench',
      store: h.store,
      runtimes: [h.runtime],
      filesRoot: '/nonexistent',
      trigger: async () => {},
    },
    { listen: '127.0.0.1:0', tokens },
    silentLogger,
  );
};

const dir = mkdtempSync(join(tmpdir(), 'mcp-bench-cli-'));
const agents = await Promise.all(['alpha', 'beta', 'gamma'].map(agent));
const silent: Server = createServer(() => {}); // accepts, never answers
await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
const silentPort = (silent.address() as { port: number }).port;
const refusedPort = await closedPort();
const config = (third: string) => {
  const file = join(dir, `${third.replace(/\W/g, '')}.toml`);
  const nodes = [agents[0].url, agents[1].url, third].map(
    (a, i) => `[[nodes]]\nname = "n${i}"\naddress = "${a}"\n`,
  );
  writeFileSync(file, nodes.join('\n'));
  return file;
};
const env = (file: string) => ({ MCP_CONFIG: file, MCP_TOKEN: 'bench-token', HOME: dir });

const help = await series(['--help'], { HOME: dir }, 0);
const bare = await series(['--version'], { HOME: dir }, 0);
const reachable = await series(['status', '--timeout', '2'], env(config(agents[2].url)), 0);
const refused = await series(['status', '--timeout', '2'], env(config(`127.0.0.1:${refusedPort}`)), 69);
const hanging = await series(['status', '--timeout', '2'], env(config(`127.0.0.1:${silentPort}`)), 69);

const row = (name: string, r: { median: number; fastest: number }, target?: number) =>
  `| ${name} | ${r.median.toFixed(0)} ms | ${r.fastest.toFixed(0)} ms | ${target === undefined ? '-' : `< ${target} ms: ${r.median < target ? 'met' : 'MISSED'}`} |`;
console.log(`cold mcp processes, median of ${runs}:\n`);
console.log('| case | median | fastest | target |\n| --- | ---: | ---: | --- |');
console.log(row('`mcp --help`', help, 150));
console.log(row('`mcp --version`', bare));
console.log(row('`mcp status`, 3 agents reachable', reachable, 300));
console.log(row('`mcp status`, 2 reachable + 1 refusing connections', refused, 300));
console.log(row('`mcp status --timeout 2`, 2 reachable + 1 never answering', hanging));

await Promise.all(agents.map((a) => a.close()));
silent.close();
rmSync(dir, { recursive: true, force: true });
