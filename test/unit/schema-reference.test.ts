/**
 * The schemas are the reference operators read (docs/reference/, generated): every key and
 * every value format carries a description, and every key gets its entry on its page.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';

interface Schema {
  description?: string;
  $ref?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  anyOf?: Schema[];
  additionalProperties?: Schema | boolean;
  definitions?: Record<string, Schema>;
}

const root = fileURLToPath(new URL('../../../', import.meta.url));
const schemas = readdirSync(join(root, 'schema'))
  .filter((f) => f.endsWith('.schema.json'))
  .map((f) => ({ file: f, schema: JSON.parse(readFileSync(join(root, 'schema', f), 'utf8')) as Schema }));

/** Every key of `schema` as its TOML path (`components.health.interval`, `vars.NAME.local`), with its schema. */
const keys = (top: Schema): [string, Schema][] => {
  const out: [string, Schema][] = [];
  const walk = (s: Schema, path: string) => {
    const target = s.$ref ? top.definitions?.[s.$ref.split('/').pop() ?? ''] : undefined;
    if (target) walk(target, path);
    for (const [key, p] of Object.entries(s.properties ?? {})) {
      const at = path ? `${path}.${key}` : key;
      out.push([at, p]);
      walk(p, at);
    }
    if (s.items) walk(s.items, path);
    for (const branch of s.anyOf ?? []) walk(branch, path);
    if (typeof s.additionalProperties === 'object') walk(s.additionalProperties, `${path}.NAME`);
  };
  walk(top, '');
  return out;
};

test('every key of every schema has a description for operators', () => {
  const missing = schemas.flatMap(({ file, schema }) =>
    keys(schema)
      .filter(([, s]) => !s.description?.trim())
      .map(([path]) => `${file}: ${path}`),
  );
  assert.deepEqual(missing, []);
});

test('every value format (definition) of every schema has a description', () => {
  const missing = schemas.flatMap(({ file, schema }) =>
    Object.entries(schema.definitions ?? {})
      .filter(([, s]) => !s.description?.trim())
      .map(([name]) => `${file}: ${name}`),
  );
  assert.deepEqual(missing, []);
});

test('every key of every schema has its entry in the generated reference', async () => {
  const script = pathToFileURL(join(root, 'scripts', 'gen-reference.mjs')).href;
  const { references } = (await import(script)) as { references: () => Promise<[string, string][]> };
  const pages = (await references()).map(([, text]) => text).join('\n');
  const absent = schemas.flatMap(({ file, schema }) =>
    keys(schema)
      .filter(([path]) => !pages.includes(`<a id="${path}"></a>`))
      .map(([path]) => `${file}: ${path}`),
  );
  assert.deepEqual(absent, []);
});

test('every link between the generated reference pages lands on a page and an anchor', async () => {
  const script = pathToFileURL(join(root, 'scripts', 'gen-reference.mjs')).href;
  const { references } = (await import(script)) as { references: () => Promise<[string, string][]> };
  const cli = pathToFileURL(join(root, 'scripts', 'gen-cli-reference.mjs')).href;
  const { cliReference } = (await import(cli)) as { cliReference: () => Promise<[string, string][]> };
  process.chdir(root);
  const generated = [...(await references()), ...(await cliReference())];
  const pages = new Map(generated.map(([path, text]) => [path.split('/').pop() ?? path, text]));
  const broken: string[] = [];
  for (const [name, text] of pages)
    for (const [, target = name, id] of text.matchAll(/\]\(([a-z-]+\.md)?(?:#([^)]+))?\)/g)) {
      const page = pages.get(target);
      if (!page || (id && !page.includes(`<a id="${id}"></a>`)))
        broken.push(`${name}: ${target}#${id ?? ''}`);
    }
  assert.deepEqual(broken, []);
});
