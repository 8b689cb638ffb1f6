/**
 * Schema validation of one parsed service file: ajv (strict, all errors, verbose), precompiled
 * by `npm run gen` so a cold `mcp validate` does not pay for ajv's compiler; its errors
 * translated and located in the TOML text.
 */
import type { ValidateFunction } from 'ajv';
import type { ServiceFile } from '../generated/service.js';
import compiled from '../generated/service.validate.js';
import type { Position } from './locate.js';
import { describe, type SchemaProblem } from './messages.js';
import { formatPath, toPointer } from './paths.js';
import type { KeyPath, SpecError } from './types.js';

const validate = compiled as unknown as ValidateFunction<ServiceFile>;

/** A typo'd key already explains the "missing" key it was meant to be: report it once. */
const withoutEchoes = (problems: SchemaProblem[]): SchemaProblem[] => {
  const meant = new Set(
    problems.filter((p) => p.suggestion).map((p) => toPointer([...p.path.slice(0, -1), p.suggestion!])),
  );
  return problems.filter((p) => p.missing === undefined || !meant.has(toPointer([...p.path, p.missing])));
};

/** Validates `value` against schema/service.schema.json; every error located with `at`. */
export function validateServiceFile(
  file: string,
  value: unknown,
  at: (path: KeyPath) => Position,
): { ok: true; value: ServiceFile } | { ok: false; errors: SpecError[] } {
  if (validate(value)) return { ok: true, value };
  const problems = withoutEchoes((validate.errors ?? []).map(describe));
  const errors = problems.map(
    (p): SpecError => ({
      file,
      ...at(p.path),
      path: formatPath(p.path),
      message: p.message,
      ...(p.hint && { hint: p.hint }),
    }),
  );
  return { ok: false, errors };
}
