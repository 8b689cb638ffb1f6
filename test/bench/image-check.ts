/**
 * The digest check of `pull = "newer"`, on the test podman and a real registry (Debian's
 * docker-registry on a free loopback port, test/support/registry.ts), in one run:
 * 1. a no-op pass over N `newer` components: its time, and the registry requests and podman
 *    API calls made inside it (both must be 0: checks run on their own timer);
 * 2. one check round over the N images when nothing moved: its time, per component, and one
 *    HEAD of a tag's manifest alone;
 * 3. from a check round that finds a new image pushed to a tag to its container running the
 *    new image, against podman's own pull + create + start of that image in the same run.
 * Usage: node image-check.js [N] (default 50). Removes its containers, tags and registry.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { dirSource } from '../../src/adapters/dir/source.js';
import { createPodmanRuntime } from '../../src/adapters/podman/runtime.js';
import { registryClient } from '../../src/adapters/registry/digest.js';
import { openRegistry } from '../../src/adapters/sqljs/registry.js';
import { startLoop } from '../../src/agent/loop.js';
import type { PassReport } from '../../src/agent/reconcile.js';
import { silentLogger } from '../../src/log.js';
import { defaultOptions } from '../support/agent-harness.js';
import { IMAGE_V1, IMAGE_V2, podmanSocket, removeContainers, requirePodman } from '../support/podman.js';
import { libpod, pushImage, startRegistry, untag } from '../support/registry.js';
import { fmtMs, median, time } from './support.js';

const n = Number(process.argv[2] ?? 50);
const P = `bimg${process.pid.toString(36)}`;
const docker = new Docker({ socketPath: podmanSocket });

const until = async (check: () => Promise<boolean>, ms: number, what: string): Promise<void> => {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

const imageOf = async (name: string): Promise<string | undefined> =>
  (
    await docker
      .getContainer(name)
      .inspect()
      .catch(() => undefined)
  )?.Image;

await requirePodman();
const registry = await startRegistry();
const repo = `${registry.host}/${P}/app`;
const tags = Array.from({ length: n }, (_, i) => `t${i}`);
const dir = await mkdtemp(join(tmpdir(), 'mcp-bench-img-'));
const runtime = await createPodmanRuntime({
  socketPath: podmanSocket,
  stopTimeoutSeconds: 1,
  insecureRegistries: [registry.host],
});
const client = registryClient({ insecure: [registry.host] });
const passes: PassReport[] = [];
let loop: ReturnType<typeof startLoop> | undefined;
let cleaned: Promise<void> | undefined;
const cleanUp = (): Promise<void> =>
  (cleaned ??= (async () => {
    await loop?.stop();
    await runtime.close();
    await removeContainers(`${P}-`);
    for (const tag of tags) await untag(`${repo}:${tag}`).catch(() => undefined);
    await registry.stop();
    await rm(dir, { recursive: true, force: true });
  })());
// Interrupted, or its output cut short (`| head`): what it made is removed all the same.
process.stdout.on('error', () => undefined);
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => void cleanUp().finally(() => process.exit(130)));
try {
  for (const tag of tags) await pushImage(IMAGE_V1, `${repo}:${tag}`);
  await mkdir(join(dir, 'services'));
  for (const tag of tags)
    await writeFile(
      join(dir, 'services', `${P}-${tag}.toml`),
      [
        `name = "${P}-${tag}"`,
        `node = "${P}"`,
        '[[components]]',
        'name = "main"',
        `image = "${repo}:${tag}"`,
        `pull = "${process.env.BENCH_PULL ?? 'newer'}"`,
        'cmd = ["sh", "-c", "exec sleep 3600"]',
      ].join('\n'),
    );
  const store = await openRegistry();
  loop = startLoop(
    { node: P, source: dirSource(dir), runtimes: { container: runtime }, store, log: silentLogger },
    { ...defaultOptions, concurrency: 4, stopTimeoutSeconds: 1 },
    silentLogger,
    { interval: 3600, imageCheckInterval: 3600, imageRegistry: client, onPass: (r) => passes.push(r) },
  );
  await loop.scheduler.trigger('start');
  console.log(`${n} pull = "newer" components: ${passes.at(-1)?.status.summary}`);

  // 1. no-op passes
  const noop: number[] = [];
  // Let the informer's own refreshes after the creates finish (no part of a pass): 1 s without a call.
  for (let calls = -1; calls !== runtime.apiCalls(); ) {
    calls = runtime.apiCalls();
    await new Promise((r) => setTimeout(r, 1000));
  }
  const requests0 = registry.requests().length;
  const calls0 = runtime.apiCalls();
  for (let i = 0; i < 15; i++) {
    const c0 = runtime.apiCalls();
    await loop.scheduler.trigger('bench');
    if (process.env.BENCH_VERBOSE)
      console.log('pass calls', runtime.apiCalls() - c0, passes.at(-1)?.status.summary);
    noop.push(passes.at(-1)?.status.durationMs ?? Number.NaN);
  }
  console.log(
    `no-op pass: ${fmtMs(median(noop))} (median of 15); registry requests ${registry.requests().length - requests0}, podman API calls ${runtime.apiCalls() - calls0}`,
  );

  // 2. check rounds when nothing moved, and one HEAD alone
  const rounds: number[] = [];
  for (let i = 0; i < 5; i++) {
    const round = await loop.images.check();
    if (round.updated.length || round.failed.length)
      throw new Error(`unexpected round ${JSON.stringify(round)}`);
    rounds.push(round.durationMs);
  }
  const heads: number[] = [];
  for (let i = 0; i < 50; i++) heads.push(await time(() => client.digest(`${repo}:${tags[i % n]}`)));
  const round = median(rounds);
  console.log(
    `check round, nothing moved: ${fmtMs(round)} for ${n} images (median of 5), ${fmtMs(round / n)} per component; one manifest HEAD ${fmtMs(median(heads))} (median of 50)`,
  );

  // 3. a pushed image to its container running, against podman's own pull + create + start
  const name = `${P}-${tags[0]}-main`;
  const ref = `${repo}:${tags[0]}`;
  const v2 = (await docker.getImage(IMAGE_V2).inspect()).Id;
  await pushImage(IMAGE_V2, ref);
  const v1 = (await docker.getImage(IMAGE_V1).inspect()).Id;
  await until(async () => (await runtime.observe([], [ref])).images[ref] === v1, 10_000, 'tag back on v1');
  const t0 = performance.now();
  await loop.images.check();
  await until(async () => (await imageOf(name)) === v2, 60_000, 'recreated on v2');
  const ours = performance.now() - t0;
  const own = `${P}-podman`;
  await untag(ref);
  const bare = await time(async () => {
    const pulled = await libpod('POST', `/images/pull?reference=${encodeURIComponent(ref)}&tlsVerify=false`);
    if (!/"id"/.test(pulled.body)) throw new Error(`pull: ${pulled.body}`);
    const c = await docker.createContainer({ name: own, Image: ref, Cmd: ['sh', '-c', 'exec sleep 3600'] });
    await c.start();
  });
  console.log(
    `push seen to the new container running: ${fmtMs(ours)} (check round, pass, recreate); podman pull + create + start: ${fmtMs(bare)}`,
  );
} finally {
  await cleanUp();
}
