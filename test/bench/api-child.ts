/**
 * The agent's API alone, in a process of its own so its resident memory is the server's:
 * the in-memory runtime and registry behind it, files under FILES_ROOT. Prints its URL, then
 * serves until killed. Usage: node api-child.js FILES_ROOT
 */
import { testApi } from '../support/api-fixture.js';

const { api } = await testApi(process.argv[2]);
console.log(api.url);
