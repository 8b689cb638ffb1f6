/**
 * The resident memory of the parts `mcp-agent run` is built from, with none of the agent: node
 * under the agent's flags, the podman client after one full list, the registry (sql.js) opened
 * from a copy of the agent's own file, a winston logger, prom-client's default metrics and an
 * HTTP server listening. The daemon-rss benchmark runs it beside the agent, as the agent's
 * memory floor on this host. Prints "ready" once all are up; the parent then reads its RSS.
 * Usage: node parts-child.js SOCKET REGISTRY_FILE
 */
import { createServer } from 'node:http';
import client from 'prom-client';
import { createClient } from '../../src/adapters/podman/client.js';
import { listAll } from '../../src/adapters/podman/relist.js';
import { openRegistry } from '../../src/adapters/sqljs/registry.js';
import { createLogger } from '../../src/log.js';

const [socket, registryFile] = process.argv.slice(2);
await listAll(createClient(socket));
const store = await openRegistry(registryFile);
// What a pass reads of the registry: the inventory and the last good revision.
store.inventory();
store.lastGood();
createLogger('info', 'parts', 'json');
const metrics = new client.Registry();
client.collectDefaultMetrics({ register: metrics });
await metrics.metrics();
// The listening server keeps the process alive until the parent kills it.
const server = createServer((_req, res) => res.end());
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
console.log('ready');
