/**
 * Bounds on what one revision may ask the loader to do. A service file is a few kilobytes;
 * without limits a hostile or broken commit (a 10 MiB file, 5,000 nested arrays) takes the
 * parser minutes, gigabytes or its stack. Each limit is a located error of the revision.
 */
import type { SpecError } from './types.js';

/** Largest service file: 256 KiB, a hundred times a large real one. */
export const FILE_LIMIT_BYTES = 256 * 1024;
/** Largest revision: the service files together, 16 MiB. */
export const REVISION_LIMIT_BYTES = 16 * 1024 * 1024;
/** Deepest nesting of arrays and inline tables; the format itself needs 3. */
export const NESTING_LIMIT = 32;

const KiB = (n: number): string => `${Math.ceil(n / 1024)} KiB`;

/** The error of a file over FILE_LIMIT_BYTES, or undefined. */
export const fileTooLarge = (file: string, bytes: number): SpecError | undefined =>
  bytes <= FILE_LIMIT_BYTES
    ? undefined
    : {
        file,
        path: '',
        message: `file is ${KiB(bytes)}, over the limit of ${KiB(FILE_LIMIT_BYTES)} per service file`,
        hint: 'a service file describes one service; split it or move data into the service directory',
      };

/** The error of the file that takes the revision over REVISION_LIMIT_BYTES. */
export const revisionTooLarge = (file: string, total: number): SpecError => ({
  file,
  path: '',
  message: `the revision's service files reach ${KiB(total)} here, over the limit of ${KiB(REVISION_LIMIT_BYTES)}`,
  hint: 'a revision over the limit is rejected without being parsed',
});

/**
 * The first place where arrays and inline tables nest deeper than NESTING_LIMIT, found by a
 * scan that skips strings and comments, before any parser recurses into them.
 */
export function tooDeep(file: string, text: string): SpecError | undefined {
  let depth = 0;
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\n') {
      line++;
      lineStart = i + 1;
    } else if (c === '#') {
      while (i + 1 < text.length && text[i + 1] !== '\n') i++;
    } else if (c === '"' || c === "'") {
      const close = text.startsWith(c.repeat(3), i) ? c.repeat(3) : c;
      i += close.length;
      while (i < text.length && !text.startsWith(close, i)) {
        const step = c === '"' && text[i] === '\\' ? 2 : 1;
        if (text[i + step - 1] === '\n') {
          if (close.length === 1) break;
          line++;
          lineStart = i + step;
        }
        i += step;
      }
      // On the closing quote's last character; an unclosed one-line string ends before its newline.
      i += text[i] === '\n' ? -1 : close.length - 1;
    } else if (c === '[' || c === '{') {
      if (++depth > NESTING_LIMIT)
        return {
          file,
          line,
          column: i - lineStart + 1,
          path: '',
          message: `arrays and tables nest deeper than ${NESTING_LIMIT} levels`,
        };
    } else if (c === ']' || c === '}') depth = Math.max(0, depth - 1);
  }
  return undefined;
}
