/**
 * `/v1/health` latency while the agent loads a large revision: the same event loop serving
 * health while a revision of FILES files of KIB KiB each (valid, parsed and validated in
 * full) loads on the main thread (as before) or in the agent's loader thread.
 * Usage: node health.js [FILES,KIB] (default 8,128).
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fmtMs, median } from './support.js';

const [files, kib] = (process.argv[2] ?? '8,128').split(',').map(Number);

const serviceFile = (name: string): string => {
  let text = `name = "${name}"\nnode = "elsewhere"\n`;
  for (let i = 0; text.length < kib * 1024; i++)
    text += `\n[[components]]\nname = "c${i}"\nimage = "localhost/bench/app:v1"\nenv = ["A=${'x'.repeat(40)}", "B=2"]\ncmd = ["serve", "--port", "80${i % 10}"]\n`;
  return text;
};

const measure = async (mode: 'inline' | 'worker', repo: string) => {
  const child = spawn(process.execPath, [join(import.meta.dirname, 'health-child.js'), mode, repo], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const { port } = JSON.parse((await lines.next()).value);
  const samples: { at: number; ms: number; failed: boolean }[] = [];
  let done = false;
  const probe = async () => {
    while (!done) {
      const t0 = performance.now();
      // A probe can fail: a keep-alive connection the server drops as its loop wakes from a block.
      const answered = await fetch(`http://127.0.0.1:${port}/v1/health`, {
        signal: AbortSignal.timeout(600_000),
      }).then(
        (r) => r.text().then(() => true),
        () => false,
      );
      samples.push({ at: t0, ms: performance.now() - t0, failed: !answered });
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const probing = probe();
  const started = performance.now() + 500;
  const { loadMs, ok } = JSON.parse((await lines.next()).value);
  const ended = started + loadMs;
  await new Promise((r) => setTimeout(r, 200)); // the probe blocked by the load is answered after it
  done = true;
  await probing;
  child.kill();
  // Every probe in flight at some moment of the load, including one sent just before it.
  const overlapping = samples.filter((s) => s.at <= ended && s.at + s.ms >= started);
  const during = overlapping.map((s) => s.ms);
  const failed = overlapping.filter((s) => s.failed).length;
  return {
    mode,
    loadMs,
    ok,
    probes: during.length,
    failed,
    median: median(during),
    max: Math.max(...during),
  };
};

const dir = await mkdtemp(join(tmpdir(), 'mcp-bench-health-'));
try {
  await mkdir(join(dir, 'services'));
  for (let k = 0; k < files; k++)
    await writeFile(join(dir, 'services', `big${k}.toml`), serviceFile(`big${k}`));
  console.log(`revision: ${files} files of ${kib} KiB (${files * kib} KiB)\n`);
  console.log(
    '| loading | revision load | health probes during it (failed) | median latency | worst latency |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: |');
  // Interleaved, twice: this machine's speed drifts between runs.
  for (const mode of ['inline', 'worker', 'inline', 'worker'] as const) {
    const r = await measure(mode, dir);
    if (!r.ok) throw new Error(`${mode}: the revision did not load`);
    console.log(
      `| ${mode === 'inline' ? 'main thread (before)' : 'loader thread (now)'} | ${fmtMs(r.loadMs)} | ${r.probes} (${r.failed}) | ${fmtMs(r.median)} | ${fmtMs(r.max)} |`,
    );
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
