/**
 * The version of this install, from package.json: the one source for `mcp --version`,
 * `mcp-agent --version` and the `version` of GET /v1/status, so the three never disagree.
 */
import { readFileSync } from 'node:fs';

/** package.json beside dist/ (or src/ when run from the sources): two levels above this file. */
const PACKAGE_JSON = new URL('../../package.json', import.meta.url);

let cached: string | undefined;

/** The `version` of package.json, read on the first call only. */
export const packageVersion = (): string => {
  cached ??= (JSON.parse(readFileSync(PACKAGE_JSON, 'utf8')) as { version: string }).version;
  return cached;
};
