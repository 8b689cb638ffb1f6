/**
 * The agent's OpenAPI document (schema/api.openapi.json) as a test checks real answers against
 * it: the operation a request reaches, its documented response for the real status, the media
 * type, the body validated by ajv (JSON Schema 2020-12, `#/components/...` resolved in the
 * document) and the documented headers present; and which documented answers a test has seen.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import doc from '../../schema/api.openapi.json' with { type: 'json' };
import { httpStatusOf, isErrorCode } from '../../src/domain/error-table.js';

const require = createRequire(import.meta.url);
const addFormats = require('ajv-formats') as (ajv: Ajv2020) => void;

export type Json = Record<string, unknown>;
export const openapi = doc as unknown as {
  paths: Record<string, Json>;
  components: Record<string, Record<string, Json>>;
};

export const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;

/** Every operation of the document: its method (upper case), path, and the operation object. */
export const operations = (): { method: string; path: string; op: Json }[] =>
  Object.entries(openapi.paths).flatMap(([path, item]) =>
    METHODS.filter((m) => item[m]).map((m) => ({ method: m.toUpperCase(), path, op: item[m] as Json })),
  );

/** The object a `$ref` (`#/components/...`) names, or the object itself. */
export const deref = (value: Json): Json => {
  const ref = value.$ref;
  if (typeof ref !== 'string') return value;
  let at: unknown = openapi;
  for (const part of ref.slice(2).split('/')) at = (at as Json)[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  assert.ok(at, `${ref} resolves to nothing in the document`);
  return deref(at as Json);
};

const ajv = new Ajv2020({ strict: true, allErrors: true });
addFormats(ajv);
// The document's own members, so the document can be the root the schemas' `#/components` refs resolve in.
ajv.addVocabulary(['openapi', 'jsonSchemaDialect', 'info', 'servers', 'tags', 'paths', 'components']);
// A hint to json-schema-to-typescript (npm run gen): a value of any JSON type is `unknown`.
ajv.addKeyword('tsType');
ajv.addSchema(doc as object, 'api');
const pointer = (parts: string[]) => parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
const compiled = new Map<string, ValidateFunction>();

/** The validator of the schema at `parts` (a JSON pointer's segments) in the document. */
export const validatorAt = (...parts: string[]): ValidateFunction => {
  const key = pointer(parts);
  let v = compiled.get(key);
  if (!v) {
    v = ajv.compile({ $ref: `api#/${key}` });
    compiled.set(key, v);
  }
  return v;
};

const explain = (errors: ErrorObject[] | null | undefined) =>
  (errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`).join('; ');

/** The document's path (and the path item) that serves the concrete `path`. */
export const documentedPath = (path: string): string | undefined =>
  Object.entries(openapi.paths).find(([template, item]) => {
    if (typeof item['x-mcp-prefix'] === 'string') return path.startsWith(item['x-mcp-prefix']);
    const pattern = template.replace(/[.]/g, '\\.').replace(/\{[^}]+\}/g, '[^/]+');
    return new RegExp(`^${pattern}$`).test(path);
  })?.[0];

/** A real answer: its status, headers and body text. */
export interface Answer {
  status: number;
  headers: Headers;
  text: string;
}

/** Which `METHOD path status` the tests have checked against the document. */
export const seen = new Set<string>();

/**
 * Fails unless the answer to `method` `path` is one the document gives: the status is a
 * response of the operation, the media type one of its contents, a JSON body valid against its
 * schema, an error's code one whose HTTP status it is, and each documented header present.
 */
export const checkAnswer = (method: string, path: string, answer: Answer): Json | undefined => {
  const template = documentedPath(path.split('?')[0]);
  assert.ok(template, `the document has no path for ${path}`);
  const op = openapi.paths[template][method.toLowerCase()] as Json | undefined;
  assert.ok(op, `the document has no ${method} ${template}`);
  const where = `${method} ${path} ${answer.status}`;
  const responses = op.responses as Record<string, Json>;
  assert.ok(responses[answer.status], `${where}: status not documented; body ${answer.text.slice(0, 300)}`);
  const response = deref(responses[answer.status]);
  const type = (answer.headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase();
  const content = response.content as Record<string, Json>;
  assert.ok(content[type], `${where}: content type ${type} not documented (${Object.keys(content)})`);
  for (const [name, header] of Object.entries((response.headers ?? {}) as Record<string, Json>)) {
    const value = answer.headers.get(name);
    assert.ok(value !== null, `${where}: documented header ${name} missing`);
    const schema = deref(header).schema as Json;
    if ('const' in schema) assert.equal(value, schema.const, `${where}: header ${name}`);
  }
  seen.add(`${method} ${template} ${answer.status}`);
  if (type !== 'application/json') return undefined;
  const body = JSON.parse(answer.text) as Json;
  const refOf = responses[answer.status].$ref as string | undefined;
  const validate = refOf
    ? validatorAt(...refOf.slice(2).split('/'), 'content', type, 'schema')
    : validatorAt(
        'paths',
        template,
        method.toLowerCase(),
        'responses',
        String(answer.status),
        'content',
        type,
        'schema',
      );
  assert.ok(
    validate(body),
    `${where}: body does not match the document: ${explain(validate.errors)}\n${answer.text.slice(0, 2000)}`,
  );
  const error = body.error as { code?: unknown } | undefined;
  if (answer.status >= 400) {
    assert.ok(isErrorCode(error?.code), `${where}: no error code`);
    assert.equal(
      httpStatusOf(error.code),
      answer.status,
      `${where}: code ${error.code} is not a ${answer.status}`,
    );
  }
  return body;
};

/** Every documented `METHOD path status` no test has seen. */
export const unseen = (): string[] =>
  operations().flatMap(({ method, path, op }) =>
    Object.keys(op.responses as Json)
      .map((status) => `${method} ${path} ${status}`)
      .filter((key) => !seen.has(key)),
  );
