/**
 * A service spec as TOML text, for `mcp service show` and `export`. Apart from service-file.ts
 * so that the agent, which only needs the file's value, does not load the TOML writer.
 */
import { stringify } from '@decimalturn/toml-patch';
import type { ServiceSpec } from '../domain/spec.js';
import { serviceFileOf } from './service-file.js';

/** `spec` as TOML text, with `header` lines as a leading comment. */
export const renderServiceFile = (spec: ServiceSpec, header: string[] = []): string => {
  const comment = header.map((l) => `# ${l}\n`).join('');
  return `${comment}${stringify(serviceFileOf(spec))}`;
};
