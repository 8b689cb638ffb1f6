/** The import-direction check that `npm run lint` runs: it passes on this tree and fails on an import up or across. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const script = join(root, 'scripts', 'check-imports.mjs');
const check = (dir?: string) =>
  spawnSync(process.execPath, dir ? [script, dir] : [script], { encoding: 'utf8', cwd: root });

test('every import of src/ points the way src/layers.json allows', () => {
  const r = check();
  assert.equal(r.status, 0, r.stderr);
});

test('an import that points up or across is named with file and line, and fails', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-layers-'));
  try {
    for (const d of ['src/domain', 'src/cli', 'src/adapters/git', 'src/adapters/dir'])
      mkdirSync(join(dir, d), { recursive: true });
    writeFileSync(
      join(dir, 'src', 'layers.json'),
      JSON.stringify({ domain: [], cli: ['domain', 'adapters/*'], 'adapters/*': ['domain'] }),
    );
    writeFileSync(join(dir, 'src', 'domain', 'a.ts'), 'export const a = 1;\n');
    writeFileSync(
      join(dir, 'src', 'cli', 'main.ts'),
      "import { a } from '../domain/a.js';\nexport const m = a;\n",
    );
    writeFileSync(
      join(dir, 'src', 'domain', 'up.ts'),
      "\nimport { m } from '../cli/main.js';\nexport const u = m;\n",
    );
    writeFileSync(
      join(dir, 'src', 'adapters', 'git', 'x.ts'),
      "export const x = () => import('../dir/y.js');\n",
    );
    writeFileSync(join(dir, 'src', 'adapters', 'dir', 'y.ts'), 'export const y = 1;\n');
    const r = check(dir);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /src\/domain\/up\.ts:2: domain may not import cli \(\.\.\/cli\/main\.js\)/);
    assert.match(r.stderr, /src\/adapters\/git\/x\.ts:1: adapters\/git may not import adapters\/dir/);
    assert.doesNotMatch(r.stderr, /cli\/main\.ts/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a room is entered through its index.ts only; inside, its files import one another freely', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-layers-'));
  try {
    for (const d of ['src/domain', 'src/agent/health']) mkdirSync(join(dir, d), { recursive: true });
    writeFileSync(
      join(dir, 'src', 'layers.json'),
      JSON.stringify({ domain: [], 'agent/health': ['domain'], agent: ['domain', 'agent/health'] }),
    );
    writeFileSync(join(dir, 'src', 'domain', 'a.ts'), 'export const a = 1;\n');
    writeFileSync(
      join(dir, 'src', 'agent', 'health', 'board.ts'),
      "import { a } from '../../domain/a.js';\nexport const b = a;\n",
    );
    writeFileSync(join(dir, 'src', 'agent', 'health', 'index.ts'), "export { b } from './board.js';\n");
    writeFileSync(
      join(dir, 'src', 'agent', 'loop.ts'),
      "import { b } from './health/index.js';\nexport const l = b;\n",
    );
    writeFileSync(
      join(dir, 'src', 'agent', 'side.ts'),
      "import { b } from './health/board.js';\nexport const s = b;\n",
    );
    writeFileSync(
      join(dir, 'src', 'agent', 'health', 'up.ts'),
      "import { l } from '../loop.js';\nexport const u = l;\n",
    );
    const r = check(dir);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /src\/agent\/side\.ts:1: agent\/health is entered through its index\.ts only/);
    assert.match(
      r.stderr,
      /src\/agent\/health\/up\.ts:1: agent\/health may not import agent \(\.\.\/loop\.js\)/,
    );
    assert.doesNotMatch(r.stderr, /^src\/agent\/(loop|health\/board|health\/index)\.ts/m);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
