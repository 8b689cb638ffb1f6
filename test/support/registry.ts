/**
 * A real container registry for a test: Debian's `docker-registry` (the distribution registry
 * 2.8) on a free loopback port with storage of its own, started per test and stopped (its
 * storage removed) by `stop`. Podman reaches it over plain HTTP with `tlsVerify=false` on each
 * libpod push / pull request, so podman's global configuration is never touched. Requests the
 * registry served are counted from its access log, which is how a test proves who asked it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closedPort } from './net.js';
import { podmanSocket } from './podman.js';

export interface TestRegistry {
  /** `127.0.0.1:PORT`, the registry part of image references. */
  host: string;
  /** Access-log lines so far (method and path), e.g. `GET /v2/x/manifests/v1`. */
  requests(): string[];
  /** Stops the registry (it can be started again on the same port and storage). */
  pause(): Promise<void>;
  /** Starts it again after `pause`; resolves once it answers. */
  resume(): Promise<void>;
  /** Stops it and removes its storage. */
  stop(): Promise<void>;
}

const BIN = process.env.MCP_REGISTRY_BIN ?? '/usr/bin/docker-registry';

/** A libpod API call on the test podman; resolves with the status and the body. */
export const libpod = (method: string, path: string): Promise<{ status: number; body: string }> =>
  new Promise((resolve, reject) => {
    const req = request({ socketPath: podmanSocket, method, path: `/v4.0.0/libpod${path}` }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        body += d;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });

/** Pushes local image `source` to `target` in its (insecure, loopback) registry. */
export const pushImage = async (source: string, target: string): Promise<void> => {
  // Pushed to its destination straight from `source`: the local tag `target` is never moved, so
  // no agent watching the tag sees it change in between (a retagged image is drift to a pass).
  const pushed = await libpod(
    'POST',
    `/images/${encodeURIComponent(source)}/push?destination=${encodeURIComponent(target)}&tlsVerify=false`,
  );
  if (pushed.status !== 200 || /"error"/.test(pushed.body))
    throw new Error(`push ${source} to ${target}: ${pushed.status} ${pushed.body}`);
};

/** Removes the local tag `ref` (the image stays when another tag holds it); a missing tag is fine. */
export const untag = async (ref: string): Promise<void> => {
  const res = await libpod('DELETE', `/images/${encodeURIComponent(ref)}`);
  if (res.status !== 200 && res.status !== 404) throw new Error(`remove ${ref}: ${res.status} ${res.body}`);
};

const answers = (host: string): Promise<boolean> =>
  new Promise((resolve) => {
    const req = request(`http://${host}/v2/`, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.setTimeout(1000, () => req.destroy());
    req.end();
  });

/** Starts a registry on a free loopback port; resolves once it answers `GET /v2/`. */
export const startRegistry = async (): Promise<TestRegistry> => {
  const dir = await mkdtemp(join(tmpdir(), 'mcp-registry-'));
  const port = await closedPort();
  const host = `127.0.0.1:${port}`;
  const config = join(dir, 'config.yml');
  await writeFile(
    config,
    [
      'version: 0.1',
      'log:',
      '  level: error',
      '  accesslog:',
      '    disabled: false',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${join(dir, 'data')}`,
      '  delete:',
      '    enabled: true',
      'http:',
      `  addr: ${host}`,
      '',
    ].join('\n'),
  );
  const lines: string[] = [];
  let child: ChildProcess | undefined;
  const launch = async (): Promise<void> => {
    const proc = spawn(BIN, ['serve', config], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    const take = (chunk: Buffer) => {
      for (const m of chunk
        .toString('utf8')
        .matchAll(/"(GET|HEAD|PUT|POST|PATCH|DELETE) (\/v2\/[^ ]*) HTTP/g))
        lines.push(`${m[1]} ${m[2].split('?')[0]}`);
    };
    proc.stdout?.on('data', take);
    proc.stderr?.on('data', take);
    const exited = new Promise<never>((_, reject) => {
      proc.once('exit', (code) => reject(new Error(`docker-registry exited (${code}) before answering`)));
      proc.once('error', (err) =>
        reject(new Error(`cannot start ${BIN} (${err.message}): apt-get install docker-registry`)),
      );
    });
    exited.catch(() => undefined);
    const deadline = Date.now() + 15_000;
    while (!(await Promise.race([answers(host), exited]))) {
      if (Date.now() > deadline) throw new Error(`docker-registry did not answer on ${host} within 15 s`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const halt = async (): Promise<void> => {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null) return;
    const gone = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill('SIGTERM');
    await gone;
  };
  try {
    await launch();
  } catch (err) {
    await halt();
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    host,
    requests: () => [...lines],
    pause: halt,
    resume: launch,
    async stop() {
      await halt();
      await rm(dir, { recursive: true, force: true });
    },
  };
};
