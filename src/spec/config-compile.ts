/**
 * A config parser whose schema is compiled at start-up (the agent's config, read once per
 * process). The CLI's config uses a validator precompiled by `npm run gen` instead, so the
 * agent commands do not load ajv's compiler.
 */
import { Ajv, type AnySchema } from 'ajv';
import { type ConfigParser, configParserOf } from './config-file.js';

/** A parser of `kind` files validated by `schema` (compiled here), defaults filled in. */
export const configParser = <T>(kind: string, schema: AnySchema): ConfigParser<T> =>
  configParserOf<T>(
    kind,
    new Ajv({ strict: true, allErrors: true, useDefaults: true, verbose: true }).compile<T>(schema),
  );
