/**
 * The status page of one node at `/`: static files, served without a token (they hold no
 * data) and with headers that forbid inline script, framing and referrers. The page asks the
 * API for everything with the token its user types in.
 */
import { McpError } from '../../domain/errors.js';
import { PAGE_HEADERS, pageAsset } from '../../ui-assets/index.js';
import type { Route } from './routes.js';

export const pageRoutes = (node: string): Route[] => [
  ...['/', '/index.html', '/ui/app.js', '/ui/style.css'].map(
    (path): Route => ({
      method: 'GET',
      path,
      auth: 'none',
      handle: async () => {
        const asset = await pageAsset(path).catch(() => undefined);
        if (!asset) throw new McpError('NOT_FOUND', `the status page is not built (npm run build): ${path}`);
        return {
          status: 200,
          body: null,
          raw: asset.body,
          contentType: asset.type,
          headers: { ...PAGE_HEADERS },
        };
      },
    }),
  ),
  {
    method: 'GET',
    path: '/ui/config.json',
    auth: 'none',
    handle: async () => ({
      status: 200,
      body: null,
      raw: Buffer.from(JSON.stringify({ mode: 'node', nodes: [node] })),
      contentType: 'application/json',
      headers: { ...PAGE_HEADERS },
    }),
  },
];
