/**
 * The loading side of the health benchmark: an HTTP health endpoint on this process's event
 * loop (as the agent's API is) while it loads a revision, on the main thread ("inline", as
 * before) or through the agent's loader thread ("worker").
 * Usage: node health-child.js inline|worker REPO; prints {"port"} then {"loadMs", "ok"}.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirSource } from '../../src/adapters/dir/source.js';
import { workerLoader } from '../../src/agent/revision-loader.js';
import { defaultAdmissionPolicy } from '../../src/policy/defaults.js';

const [mode, repo] = process.argv.slice(2);
const server = createServer((_req, res) => res.end('{"ok":true}'));
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
console.log(JSON.stringify({ port: (server.address() as AddressInfo).port }));
const loader =
  mode === 'worker'
    ? workerLoader({
        node: 'bench',
        protectedPaths: [],
        policy: defaultAdmissionPolicy(),
      })
    : undefined;
await new Promise((r) => setTimeout(r, 500)); // the parent's first probes see an idle loop
const t0 = performance.now();
const result = await dirSource(repo, loader).fetch();
const loadMs = performance.now() - t0;
await new Promise((r) => setTimeout(r, 1000)); // the parent collects the probe the load held up
console.log(JSON.stringify({ loadMs, ok: result.ok }));
await loader?.close();
server.close();
