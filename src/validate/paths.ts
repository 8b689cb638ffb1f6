/** Conversions between ajv's JSON pointers, key paths and the dotted form shown to people. */
import type { KeyPath } from './types.js';

/** `/components/0/ports` -> ['components', 0, 'ports'], the way ajv's instancePath is read. */
export const fromPointer = (pointer: string): (string | number)[] =>
  pointer === ''
    ? []
    : pointer
        .slice(1)
        .split('/')
        .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
        .map((s) => (/^\d+$/.test(s) ? Number(s) : s));

/** The inverse of fromPointer: a stable map key for positions. */
export const toPointer = (path: KeyPath): string =>
  path.map((s) => '/' + String(s).replace(/~/g, '~0').replace(/\//g, '~1')).join('');

/** ['components', 0, 'ports', 1] -> `components[0].ports[1]`, the form error messages use. */
export const formatPath = (path: KeyPath): string =>
  path.reduce<string>(
    (out, s) => (typeof s === 'number' ? `${out}[${s}]` : out === '' ? s : `${out}.${s}`),
    '',
  );
