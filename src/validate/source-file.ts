/** A service file's bytes as text: within the size limit and valid UTF-8, or a located error. */
import type { SourceFile, SpecError } from '../domain/spec-error.js';
import { decodeUtf8 } from '../domain/utf8.js';
import { fileTooLarge } from './limits.js';

/** A file's bytes as text, or the located error of its size or of its first invalid UTF-8 sequence. */
export const sourceFile = (path: string, bytes: Uint8Array): SourceFile | SpecError => {
  const large = fileTooLarge(path, bytes.byteLength);
  if (large) return large;
  const decoded = decodeUtf8(bytes);
  if (decoded.ok) return { path, text: decoded.text };
  return {
    file: path,
    line: decoded.line,
    column: decoded.column,
    path: '',
    message: 'invalid UTF-8',
    hint: 'service files must be UTF-8 text',
  };
};
