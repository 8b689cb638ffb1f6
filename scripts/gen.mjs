// Regenerates src/generated/*.ts from schema/*.schema.json; with --check, fails when they differ.
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { compile } from 'json-schema-to-typescript';

const check = process.argv.includes('--check');
const banner = '/* Generated from schema/ by `npm run gen` (json-schema-to-typescript). Do not edit. */';
let stale = 0;
for (const file of (await readdir('schema')).filter((f) => f.endsWith('.schema.json')).sort()) {
  const schema = JSON.parse(await readFile(`schema/${file}`, 'utf8'));
  const ts = await compile(schema, schema.title, {
    bannerComment: banner,
    additionalProperties: false,
    style: { singleQuote: true, printWidth: 100 },
  });
  const out = `src/generated/${file.replace('.schema.json', '')}.ts`;
  const old = await readFile(out, 'utf8').catch(() => '');
  if (old === ts) continue;
  if (check) {
    console.error(`${out} differs from a fresh generation: run npm run gen`);
    stale++;
  } else await writeFile(out, ts);
}
process.exit(stale ? 1 : 0);
