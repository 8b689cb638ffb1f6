/**
 * The least any one-shot of the agent does, as a process of its own: node started under the
 * agent's flags, the podman client loaded, and one full list of what podman has (`listAll`, the
 * list every pass's observation starts from). The converge benchmark runs it beside the
 * one-shot no-op, as that one-shot's floor on this host and podman.
 * Usage: node list-child.js SOCKET; prints the number of containers listed.
 */
import { createClient } from '../../src/adapters/podman/client.js';
import { listAll } from '../../src/adapters/podman/relist.js';

const list = await listAll(createClient(process.argv[2]));
console.log(list.containers.length);
