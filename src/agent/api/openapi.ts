/**
 * `GET /v1/openapi.json`: the OpenAPI 3.1 document of this API (schema/api.openapi.json),
 * served without a token: it is the repository's document and holds nothing of the node.
 * Loaded on the first request, so an agent that is never asked for it never parses it.
 */
import type { Route } from './routes.js';

let text: Promise<Buffer> | undefined;

const load = async (): Promise<Buffer> => {
  const doc = await import('../../../schema/api.openapi.json', { with: { type: 'json' } });
  return Buffer.from(JSON.stringify(doc.default));
};

/** The route that serves the document. */
export const openapiRoutes = (): Route[] => [
  {
    method: 'GET',
    path: '/v1/openapi.json',
    auth: 'none',
    handle: async () => {
      text ??= load();
      return { status: 200, body: null, raw: await text, contentType: 'application/json' };
    },
  },
];
