/**
 * Schema validation of one parsed service file: ajv in strict mode with all errors, compiled
 * once per process, its errors translated and located in the TOML text.
 */
import { Ajv } from 'ajv';
import schema from '../../schema/service.schema.json' with { type: 'json' };
import type { ServiceFile } from '../generated/service.js';
import type { Position } from './locate.js';
import { describe } from './messages.js';
import { formatPath } from './paths.js';
import type { KeyPath, SpecError } from './types.js';

const validate = new Ajv({ strict: true, allErrors: true, verbose: true }).compile<ServiceFile>(schema);

/** Validates `value` against schema/service.schema.json; every error located with `at`. */
export function validateServiceFile(
  file: string,
  value: unknown,
  at: (path: KeyPath) => Position,
): { ok: true; value: ServiceFile } | { ok: false; errors: SpecError[] } {
  if (validate(value)) return { ok: true, value };
  const errors = (validate.errors ?? []).map((e): SpecError => {
    const problem = describe(e);
    return { file, ...at(problem.path), path: formatPath(problem.path), message: problem.message, ...(problem.hint && { hint: problem.hint }) };
  });
  return { ok: false, errors };
}
