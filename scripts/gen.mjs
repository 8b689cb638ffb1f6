// Regenerates src/generated/*.ts from schema/*.schema.json; with --check, fails when they differ.
// service.schema.json, node.schema.json, cli.schema.json and agent.schema.json also get precompiled ajv validators, so
// `mcp validate`, the agent commands (`mcp status`) and mcp-agent itself start without ajv's compiler (compiling the agent
// config's schema cost a one-shot `mcp-agent reconcile --once` 0.15 s); the CLI's and the agent's configs fill in defaults.
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { compile } from 'json-schema-to-typescript';
import { apiReference } from './gen-api-doc.mjs';
import { cliReference } from './gen-cli-reference.mjs';
import { references } from './gen-reference.mjs';

const require = createRequire(import.meta.url);
const { Ajv } = require('ajv');
const standalone = require('ajv/dist/standalone').default;

const validator = (schema, options = {}) => {
  const ajv = new Ajv({
    strict: true,
    allErrors: true,
    verbose: true,
    ...options,
    code: { source: true, esm: true },
  });
  const code = standalone(ajv, ajv.compile(schema));
  const prelude =
    "// @ts-nocheck\nimport { createRequire } from 'node:module';\nconst require = createRequire(import.meta.url);";
  return `${banner.replace('json-schema-to-typescript', 'ajv standalone')}\n${prelude}\n${code}\n`;
};

const check = process.argv.includes('--check');
const banner = '/* Generated from schema/ by `npm run gen` (json-schema-to-typescript). Do not edit. */';
const outputs = [];
for (const file of (await readdir('schema')).filter((f) => f.endsWith('.schema.json')).sort()) {
  const schema = JSON.parse(await readFile(`schema/${file}`, 'utf8'));
  const ts = await compile(schema, schema.title, {
    bannerComment: banner,
    additionalProperties: false,
    style: { singleQuote: true, printWidth: 100 },
  });
  const name = file.replace('.schema.json', '');
  outputs.push([`src/generated/${name}.ts`, ts]);
  if (name === 'service' || name === 'node')
    outputs.push([`src/generated/${name}.validate.ts`, validator(schema)]);
  if (name === 'cli' || name === 'agent')
    outputs.push([`src/generated/${name}.validate.ts`, validator(schema, { useDefaults: true })]);
}
outputs.push(...(await references()));
outputs.push(...(await cliReference()));
outputs.push(...(await apiReference()));
let stale = 0;
for (const [out, text] of outputs) {
  const old = await readFile(out, 'utf8').catch(() => '');
  if (old === text) continue;
  if (check) {
    console.error(`${out} differs from a fresh generation: run npm run gen`);
    stale++;
  } else {
    await mkdir(dirname(out), { recursive: true });
    await writeFile(out, text);
  }
}
process.exit(stale ? 1 : 0);
