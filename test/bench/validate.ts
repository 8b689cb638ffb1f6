/**
 * Cold-start benchmark of `mcp validate examples/services` against the example agent's
 * admission policy: wall time of a fresh node process,
 * median of N runs (default 10), against the 400 ms target. Run from the repository root:
 * `node dist/test/bench/validate.js [runs]`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const TARGET_MS = 400;
const root = fileURLToPath(new URL('../../../', import.meta.url));
const runs = Number(process.argv[2] ?? 10);
const main = join(root, 'dist/src/cli/main.js');
if (!existsSync(main)) throw new Error(`${main} is missing: run npm run build first`);

const once = (args: string[]): number => {
  const start = process.hrtime.bigint();
  const p = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (p.status !== 0) throw new Error(`exit ${p.status}: ${p.stderr}`);
  return ms;
};

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

once([main, 'validate', 'examples/services', '--policy', 'examples/agent/mcp-agent.toml']);
const validate = Array.from({ length: runs }, () =>
  once([main, 'validate', 'examples/services', '--policy', 'examples/agent/mcp-agent.toml']),
);
const bare = Array.from({ length: runs }, () => once(['-e', '0']));
const m = median(validate);
console.log(
  `mcp validate examples/services --policy examples/agent/mcp-agent.toml (cold process): median ${m.toFixed(0)} ms, fastest ${Math.min(...validate).toFixed(0)} ms ` +
    `over ${runs} runs; bare node startup ${median(bare).toFixed(0)} ms; target < ${TARGET_MS} ms: ${m < TARGET_MS ? 'met' : 'MISSED'}`,
);
