// docs/reference/api.md from schema/api.openapi.json: every route with its role, parameters,
// body and answers, then every schema with its fields, all in the document's own words.
// Also src/generated/api.ts: the document's schemas as TypeScript types, which test/unit/openapi.test.ts
// holds the wire types (src/wire/api.ts) to at compile time.
// Called by gen.mjs; returns [path, text] pairs it writes (or, with --check, compares).
import { readFile } from 'node:fs/promises';
import { compile } from 'json-schema-to-typescript';

const METHODS = ['get', 'put', 'post', 'delete', 'patch'];
const cell = (text) =>
  String(text ?? '')
    .replace(/\|/g, '\\|')
    .replace(/\n+/g, ' ');
/** The id GitHub and Gitea give a heading: lower case, punctuation dropped, spaces as hyphens. */
const anchor = (heading) =>
  heading
    .toLowerCase()
    .replace(/[^a-z0-9 _-]/g, '')
    .replace(/ /g, '-');

/** The object a `#/components/...` reference names. */
const resolve = (doc, value) => {
  if (!value?.$ref) return value;
  return resolve(
    doc,
    value.$ref
      .slice(2)
      .split('/')
      .reduce((at, part) => at[part.replace(/~1/g, '/')], doc),
  );
};

/** A schema in a few words: its type, a link to a named schema, its values. */
const typeOf = (schema) => {
  if (!schema || Object.keys(schema).every((k) => k === 'description' || k === 'tsType')) return 'any';
  if (schema.$ref) {
    const name = schema.$ref.split('/').pop();
    return `[${name}](#${anchor(name)})`;
  }
  if ('const' in schema) return `\`${JSON.stringify(schema.const)}\``;
  if (schema.enum) return schema.enum.map((v) => `\`${JSON.stringify(v)}\``).join(', ');
  if (schema.oneOf) return schema.oneOf.map(typeOf).join(' or ');
  const types = [schema.type ?? (schema.properties && 'object')].flat().filter(Boolean);
  return types
    .map((t) => {
      if (t === 'array') return `${schema.items ? typeOf(schema.items) : 'any'} list`;
      if (t === 'string' && schema.format) return `string (${schema.format})`;
      return t;
    })
    .join(' or ');
};

/** The fields of an object schema as a table (nested objects and list items as `a.b`, `a[].b`). */
/** The document being written: a field that only names a schema is described by that schema. */
let current;

const fields = (schema, prefix = '') => {
  const rows = [];
  const required = new Set(schema.required ?? []);
  for (const [name, prop] of Object.entries(schema.properties ?? {})) {
    const path = `${prefix}${name}`;
    const limits = [
      prop.minimum !== undefined && `minimum ${prop.minimum}`,
      prop.maximum !== undefined && `maximum ${prop.maximum}`,
      prop.maxLength !== undefined && `at most ${prop.maxLength} characters`,
      prop.pattern && `matches \`${prop.pattern}\``,
      prop.default !== undefined && `default \`${JSON.stringify(prop.default)}\``,
    ].filter(Boolean);
    const described = prop.description ?? (prop.$ref && resolve(current, prop).description);
    const meaning = [described, limits.length ? `(${limits.join(', ')})` : ''].filter(Boolean).join(' ');
    rows.push(
      `| \`${path}\` | ${cell(typeOf(prop))} | ${required.has(name) ? 'yes' : 'no'} | ${cell(meaning)} |`,
    );
    if (prop.type === 'object' && prop.properties) rows.push(...fields(prop, `${path}.`));
    if (prop.type === 'array' && prop.items?.properties) rows.push(...fields(prop.items, `${path}[].`));
  }
  return rows;
};

const fieldTable = (schema) => {
  const rows = fields(schema);
  return rows.length
    ? ['| Field | Type | Required | Meaning |', '| --- | --- | --- | --- |', ...rows, '']
    : [];
};

const ROLE = {
  none: 'none',
  read: 'read token',
  operate: 'operate token',
  metrics: 'read token or metrics token',
  webhook: 'webhook signature',
};

const operation = (doc, path, method, item, op) => {
  const out = [`### ${method.toUpperCase()} \`${path}\``, '', `**${op.summary}.** ${op.description}`, ''];
  out.push(`Authentication: ${ROLE[op['x-mcp-auth']]}.`, '');
  const params = [...(item.parameters ?? []), ...(op.parameters ?? [])].map((p) => resolve(doc, p));
  if (params.length)
    out.push(
      '| Parameter | In | Type | Required | Meaning |',
      '| --- | --- | --- | --- | --- |',
      ...params.map(
        (p) =>
          `| \`${p.name}\` | ${p.in} | ${cell(typeOf(p.schema))} | ${p.required ? 'yes' : 'no'} | ${cell(p.description)}${p.schema?.default !== undefined ? ` (default \`${p.schema.default}\`)` : ''} |`,
      ),
      '',
    );
  if (op.requestBody) {
    const body = resolve(doc, op.requestBody);
    const [type, content] = Object.entries(body.content)[0];
    out.push(
      `Request body (\`${type}\`${body.required ? '' : ', optional'}): ${body.description} ${typeOf(content.schema)}`,
      '',
    );
    const schema = content.schema.$ref ? undefined : content.schema;
    if (schema?.properties) out.push(...fieldTable(schema));
  }
  out.push('| Status | Content | Meaning |', '| --- | --- | --- |');
  for (const [status, ref] of Object.entries(op.responses)) {
    const response = resolve(doc, ref);
    const [type, content] = Object.entries(response.content ?? {})[0] ?? [];
    const body = content ? `\`${type}\` ${typeOf(content.schema)}` : '';
    out.push(`| ${status} | ${cell(body)} | ${cell(response.description)} |`);
  }
  out.push('');
  if (op['x-mcp-events']) {
    out.push('| Event | Data |', '| --- | --- |');
    for (const [event, schema] of Object.entries(op['x-mcp-events']))
      out.push(`| \`${event}\` | ${typeOf(schema)} |`);
    out.push('');
  }
  return out;
};

/** Every schema of the document as a named TypeScript type. */
const types = (doc) => {
  const schemas = doc.components.schemas;
  const root = {
    title: 'ApiSchemas',
    description: 'Every schema of schema/api.openapi.json, by name.',
    type: 'object',
    additionalProperties: false,
    properties: Object.fromEntries(
      Object.keys(schemas).map((n) => [n, { $ref: `#/components/schemas/${n}` }]),
    ),
    components: { schemas },
  };
  return compile(root, 'ApiSchemas', {
    bannerComment:
      '/* Generated from schema/api.openapi.json by `npm run gen` (json-schema-to-typescript). Do not edit. */',
    additionalProperties: false,
    style: { singleQuote: true, printWidth: 100 },
  });
};

/** The reference page of the document at `file`: [[output path, text]]. */
export const apiReference = async (file = 'schema/api.openapi.json', out = 'docs/reference/api.md') => {
  const doc = JSON.parse(await readFile(file, 'utf8'));
  current = doc;
  const ops = Object.entries(doc.paths).flatMap(([path, item]) =>
    METHODS.filter((m) => item[m]).map((method) => ({ path, method, item, op: item[method] })),
  );
  const lines = [
    '<!-- Generated from schema/api.openapi.json by `npm run gen`. Do not edit. -->',
    '',
    `# ${doc.info.title} reference`,
    '',
    `${doc.info.summary}`,
    '',
    doc.info.description,
    '',
    'The agent serves this document at `GET /v1/openapi.json` (no token needed).',
    '',
    '## Authentication',
    '',
    ...Object.entries(doc.components.securitySchemes).flatMap(([name, s]) => [
      `- \`${name}\`: ${s.description}`,
    ]),
    '',
    '## Routes',
    '',
    '| Method | Path | Authentication | What |',
    '| --- | --- | --- | --- |',
    ...ops.map(
      ({ path, method, op }) =>
        `| ${method.toUpperCase()} | [\`${path}\`](#${anchor(`${method} ${path}`)}) | ${ROLE[op['x-mcp-auth']]} | ${cell(op.summary)} |`,
    ),
    '',
  ];
  for (const tag of doc.tags) {
    lines.push(`## ${tag.name[0].toUpperCase()}${tag.name.slice(1)}`, '', tag.description, '');
    for (const { path, method, item, op } of ops.filter((o) => o.op.tags.includes(tag.name)))
      lines.push(...operation(doc, path, method, item, op));
  }
  lines.push('## Schemas', '');
  for (const [name, schema] of Object.entries(doc.components.schemas)) {
    lines.push(`### ${name}`, '', schema.description ?? '', '');
    if (!schema.properties && !schema.oneOf)
      lines.push(`Type: ${typeOf({ ...schema, description: undefined })}.`, '');
    lines.push(...fieldTable(schema));
    for (const [k, alt] of (schema.oneOf ?? []).entries()) {
      lines.push(`Form ${k + 1}:`, '', ...fieldTable(alt));
    }
  }
  return [
    [
      out,
      `${lines
        .join('\n')
        .replace(/\n{3,}/g, '\n\n')
        .trimEnd()}\n`,
    ],
    ['src/generated/api.ts', await types(doc)],
  ];
};
