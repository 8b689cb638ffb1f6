/**
 * Golden-file tests of the planner: every directory under test/fixtures/plan/ is one case
 * (see its README). UPDATE_GOLDEN=1 rewrites plan.json; review every rewritten file by hand.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { loadRevisionFromDir } from '../../src/adapters/dir/load.js';
import { McpError } from '../../src/domain/errors.js';
import { specHash } from '../../src/domain/hash.js';
import type { InventoryEntry, Observed } from '../../src/domain/observed.js';
import { plan } from '../../src/domain/plan.js';
import { type ComponentSpec, instanceName } from '../../src/domain/spec.js';

const ROOT = fileURLToPath(new URL('../../../test/fixtures/plan/', import.meta.url));
const UPDATE = process.env.UPDATE_GOLDEN === '1';
const cases = readdirSync(ROOT, { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name)
  .sort();

type Json = unknown;
const readJson = async (path: string, fallback?: Json): Promise<Json> =>
  readFile(path, 'utf8').then(JSON.parse, (err) => {
    if (fallback !== undefined && err.code === 'ENOENT') return fallback;
    throw err;
  });

/**
 * Symbol tables of one case: desired specs by instance name, the hashes symbols stand for,
 * and the symbols a plan is written with (hashes the fixture could not spell out).
 */
interface Symbols {
  specs: Map<string, ComponentSpec>;
  hashes: Map<string, string>;
  written: Map<string, string>;
}

function lookup<T>(table: Map<string, T>, key: string): T {
  const value = table.get(key);
  if (value === undefined) throw new Error(`fixture names unknown symbol ${key}`);
  return value;
}

/** Replaces `$hash:...` strings and `{"$spec": name, ...overrides}` objects by their values. */
function resolve(value: Json, symbols: Symbols): Json {
  if (typeof value === 'string' && value.startsWith('$hash:')) return lookup(symbols.hashes, value);
  if (typeof value === 'string' && value.startsWith('$spec:')) return lookup(symbols.specs, value.slice(6));
  if (Array.isArray(value)) return value.map((v) => resolve(v, symbols));
  if (!value || typeof value !== 'object') return value;
  const { $spec, ...rest } = value as Record<string, Json>;
  const fields = Object.entries(rest).map(([k, v]) => [k, resolve(v, symbols)] as const);
  if (typeof $spec !== 'string') return Object.fromEntries(fields);
  const spec: Record<string, Json> = { ...lookup(symbols.specs, $spec) };
  for (const [k, v] of fields) {
    if (v === null) delete spec[k];
    else spec[k] = v;
  }
  return spec;
}

/** The inverse of `resolve` on a plan: known hashes and desired specs back to their symbols. */
function symbolise(value: Json, symbols: Symbols, key = ''): Json {
  if (typeof value === 'string') return symbols.written.get(value) ?? value;
  if (Array.isArray(value)) return value.map((v) => symbolise(v, symbols));
  if (!value || typeof value !== 'object') return value;
  if (key === 'spec') {
    const name = instanceName(value as ComponentSpec);
    if (isDeepStrictEqual(value, symbols.specs.get(name))) return `$spec:${name}`;
  }
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, symbolise(v, symbols, k)]));
}

async function outcome(dir: string): Promise<Json> {
  const loaded = await loadRevisionFromDir(dir);
  if (!loaded.ok)
    return { invalid: loaded.errors.map((e) => `${e.file}:${e.line}:${e.column} ${e.path}: ${e.message}`) };
  const { services } = loaded.revision;
  const specs = new Map(services.flatMap((s) => s.components).map((c) => [instanceName(c), c]));
  const hashes = new Map([...specs].map(([n, c]) => [`$hash:${n}`, specHash(c)]));
  const symbols: Symbols = { specs, hashes, written: new Map([...hashes].map(([k, v]) => [v, k])) };
  const inventory = (await readJson(join(dir, 'inventory.json'), [])) as Record<string, Json>[];
  const entries = inventory.map((e) => resolve(e, symbols) as InventoryEntry);
  for (const e of entries) {
    const symbol = `$hash:inventory:${e.name}`;
    if (e.specHash === undefined) {
      e.specHash = specHash(e.spec!);
      if (!symbols.written.has(e.specHash)) symbols.written.set(e.specHash, symbol);
    }
    symbols.hashes.set(symbol, e.specHash);
  }
  const observed = resolve(await readJson(join(dir, 'observed.json')), symbols) as Observed;
  const { node, revision } = (await readJson(join(dir, 'input.json'))) as { node: string; revision?: string };
  try {
    const result = plan({ node, revision, services, observed, inventory: entries });
    return symbolise(JSON.parse(JSON.stringify(result)), symbols);
  } catch (err) {
    if (err instanceof McpError) return { error: err.toJSON() };
    throw err;
  }
}

describe('plan golden files (test/fixtures/plan)', () => {
  for (const name of cases) {
    it(name.replaceAll('-', ' '), async () => {
      const dir = join(ROOT, name);
      const actual = await outcome(dir);
      if (UPDATE) await writeFile(join(dir, 'plan.json'), `${JSON.stringify(actual, null, 2)}\n`);
      assert.deepEqual(actual, await readJson(join(dir, 'plan.json')));
    });
  }
});
