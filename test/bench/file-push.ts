/**
 * The cost of confined file I/O per push: `pushFile` (every lookup relative to a directory
 * held open, O_NOFOLLOW, checked through /proc/self/fd, mode and owner kept) against the
 * same write done by path with no confinement (write a temporary file, rename it over),
 * for a 1 KiB file one and four directories deep; and per pull against a plain readFile.
 * `node dist/test/bench/file-push.js [RUNS]`
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type FileTarget, pullFile, pushFile } from '../../src/agent/api/files.js';
import { median } from './support.js';

const runs = Number(process.argv[2] ?? 2000);
const root = mkdtempSync(join(tmpdir(), 'mcp-bench-push-'));
const body = Buffer.alloc(1024, 'x');
async function* once() {
  yield body;
}

const target = (rel: string): FileTarget => ({
  service: 'wiki',
  base: join(root, 'wiki'),
  file: join(root, 'wiki', rel),
  rel,
});

/** Per-operation µs of `a` and `b`, medians of batches run alternately so both see the same load. */
const pair = async (
  a: (i: number) => Promise<unknown>,
  b: (i: number) => Promise<unknown>,
): Promise<[number, number]> => {
  const batch = async (fn: (i: number) => Promise<unknown>) => {
    const t0 = performance.now();
    for (let i = 0; i < runs / 20; i++) await fn(i);
    return ((performance.now() - t0) * 1000) / (runs / 20);
  };
  await batch(a);
  await batch(b);
  const as: number[] = [];
  const bs: number[] = [];
  for (let k = 0; k < 20; k++) {
    as.push(await batch(a));
    bs.push(await batch(b));
  }
  return [median(as), median(bs)];
};

const rows: string[] = [];
for (const rel of ['conf/app.toml', 'a/b/c/d/app.toml']) {
  const t = target(rel);
  await pushFile(t, once());
  mkdirSync(join(root, 'plain', rel, '..'), { recursive: true });
  const plainPath = join(root, 'plain', rel);
  const [confined, plain] = await pair(
    () => pushFile(t, once()),
    async (i) => {
      const temp = `${plainPath}.tmp-${i}`;
      await writeFile(temp, body, { flag: 'wx', mode: 0o644 });
      await rename(temp, plainPath);
    },
  );
  const [pullConfined, pullPlain] = await pair(
    () => pullFile(t),
    () => readFile(plainPath),
  );
  const depth = rel.split('/').length - 1;
  rows.push(
    `| push, ${depth} deep | ${confined.toFixed(0)} µs | ${plain.toFixed(0)} µs | +${(confined - plain).toFixed(0)} µs |`,
    `| pull, ${depth} deep | ${pullConfined.toFixed(0)} µs | ${pullPlain.toFixed(0)} µs | +${(pullConfined - pullPlain).toFixed(0)} µs |`,
  );
}
rmSync(root, { recursive: true, force: true });

console.log(
  `files API, 1 KiB file, medians of 20 alternating batches of ${runs / 20} (function calls, no HTTP):\n`,
);
console.log('| operation | confined (fd-relative, O_NOFOLLOW) | by path, unconfined | cost of confinement |');
console.log('| --- | ---: | ---: | ---: |');
for (const r of rows) console.log(r);
