/**
 * Service files are UTF-8. Node's decoder silently turns invalid bytes into U+FFFD, so a
 * corrupted file would run with changed values; decoding here fails instead, at the line
 * and column of the first invalid byte.
 */
import { isUtf8 } from 'node:buffer';

/** The text, or where the first invalid byte sequence is (1-based line, column in characters). */
export type Decoded = { ok: true; text: string } | { ok: false; line: number; column: number };

export function decodeUtf8(bytes: Uint8Array): Decoded {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const text = buf.toString('utf8');
  if (isUtf8(buf)) return { ok: true, text };
  // Every U+FFFD before the first invalid sequence was written as such (EF BF BD), so the
  // byte offset of each candidate is the UTF-8 length of the text before it.
  for (let i = text.indexOf('\uFFFD'); i >= 0; i = text.indexOf('\uFFFD', i + 1)) {
    const at = Buffer.byteLength(text.slice(0, i));
    if (buf[at] === 0xef && buf[at + 1] === 0xbf && buf[at + 2] === 0xbd) continue;
    const before = text.slice(0, i);
    const lineStart = before.lastIndexOf('\n') + 1;
    return { ok: false, line: before.split('\n').length, column: i - lineStart + 1 };
  }
  return { ok: false, line: 1, column: 1 };
}
