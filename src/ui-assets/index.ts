/**
 * The status page's files, as `npm run build` leaves them in dist/src/ui, and the headers they
 * are served with, by the agent (one node) and by `mcp ui` (the fleet) alike. The page is
 * static and holds no data: everything it shows it asks the API for, with a token.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** No inline script or style, nothing from elsewhere, no framing, no referrer. */
export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cache-control': 'no-cache',
};

const FILES: Record<string, [string, string]> = {
  '/': ['index.html', 'text/html; charset=utf-8'],
  '/ui/app.js': ['app.js', 'text/javascript; charset=utf-8'],
  '/ui/style.css': ['style.css', 'text/css; charset=utf-8'],
};

const DIR = join(import.meta.dirname, '..', 'ui');
const cache = new Map<string, Buffer>();

/** The file served at `path` with its content type, or undefined when there is none. */
export const pageAsset = async (path: string): Promise<{ body: Buffer; type: string } | undefined> => {
  const file = FILES[path === '/index.html' ? '/' : path];
  if (!file) return undefined;
  const [name, type] = file;
  let body = cache.get(name);
  if (!body) {
    body = await readFile(join(DIR, name));
    cache.set(name, body);
  }
  return { body, type };
};
