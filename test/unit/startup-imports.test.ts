/**
 * What the agent loads at start-up: the podman adapter leaves dockerode's BuildKit session
 * (gRPC, protobufjs) and docker-modem's ssh transport (ssh2) unloaded until one is called, and
 * a one-shot `mcp-agent reconcile` loads none of the daemon's libraries, the git adapter (for a
 * directory source), age or the TOML writer. Each case runs in a fresh node process, so the
 * module cache is the one that process built.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';

const dist = join(import.meta.dirname, '../..');

/** Runs `code` as an ES module in a fresh node; returns its stdout parsed as JSON. */
const inFreshNode = (code: string): unknown =>
  JSON.parse(
    execFileSync(process.execPath, ['--input-type=module', '-e', code], { cwd: dist, encoding: 'utf8' }),
  );

const loadedPackages = `
  const { createRequire } = await import('node:module');
  const cache = Object.keys(createRequire(import.meta.url).cache);
  const packages = (list) => [...new Set(list.flatMap((k) => /node_modules\\/((@[^/]+\\/)?[^/]+)/.exec(k)?.[1] ?? []))].sort();
`;

/**
 * Records the URL of every ES module loaded after it (a module hook, which runs off-thread and
 * posts each URL back); \`await loaded()\` returns them all, once a sentinel import came through.
 */
const esmRecorder = `
  const { register } = await import('node:module');
  const { MessageChannel } = await import('node:worker_threads');
  const { port1, port2 } = new MessageChannel();
  const esm = [];
  let sentinel;
  const seenSentinel = new Promise((resolve) => (sentinel = resolve));
  port1.on('message', (url) => (url.includes('sentinel') ? sentinel() : esm.push(url)));
  const hooks = 'export async function initialize({ port }) { globalThis.port = port; }' +
    'export async function load(url, context, next) { globalThis.port.postMessage(url); return next(url, context); }';
  register('data:text/javascript,' + encodeURIComponent(hooks), { data: { port: port2 }, transferList: [port2] });
  const loaded = async () => {
    await import('data:text/javascript,export const sentinel = 1;');
    await seenSentinel;
    port1.close();
    return esm;
  };
`;

describe('start-up imports', () => {
  it('the podman adapter loads neither gRPC nor ssh2, and the deferred module still works when called', () => {
    const result = inFreshNode(`
      await import('./src/adapters/podman/client.js');
      ${loadedPackages}
      const before = packages(cache);
      const require = createRequire(createRequire(createRequire(import.meta.url).resolve('dockerode')).resolve('docker-modem'));
      const agent = require('./ssh.js')({ host: '127.0.0.1' });
      const after = packages(Object.keys(require.cache));
      console.log(JSON.stringify({ before, after, agent: typeof agent.createConnection }));
    `) as { before: string[]; after: string[]; agent: string };
    assert.ok(result.before.includes('dockerode'));
    for (const heavy of ['@grpc/grpc-js', '@grpc/proto-loader', 'protobufjs', 'ssh2'])
      assert.ok(!result.before.includes(heavy), `${heavy} loaded`);
    assert.ok(result.after.includes('ssh2'));
    assert.equal(result.agent, 'function');
  });

  it("the one-shot agent loads no daemon, git, age or TOML-writer library, nor ajv's compiler", () => {
    const result = inFreshNode(`
      ${esmRecorder}
      await import('./src/agent/runtime-wiring.js');
      await import('./src/validate/agent-config.js');
      const modules = await loaded();
      ${loadedPackages}
      console.log(JSON.stringify({ packages: packages([...cache, ...modules]), all: [...cache, ...modules] }));
    `) as { packages: string[]; all: string[] };
    assert.ok(result.packages.includes('sql.js'), 'the recorder saw the agent load');
    for (const lazy of [
      'prom-client',
      'chokidar',
      'isomorphic-git',
      'age-encryption',
      '@decimalturn/toml-patch',
      '@grpc/grpc-js',
      'ssh2',
    ])
      assert.ok(!result.packages.includes(lazy), `${lazy} loaded`);
    assert.deepEqual(
      result.all.filter((p) => p.includes('ajv/dist/compile')),
      [],
    );
  });
});
