/** TOML text -> plain value, or one located syntax error in words a person can act on. */
import { createRequire } from 'node:module';
import type { SpecError } from './types.js';

interface PegError {
  message: string;
  line?: number;
  column?: number;
  found?: string | null;
  expected?: { description?: string }[] | null;
}

const words: Record<string, string> = { '"\\n"': 'end of line', '"\\r"': '', '"#"': '', '[ \\t]': '' };

const describeSyntax = (e: PegError): string => {
  if (e.found === undefined) return e.message.replace(/\.$/, '');
  const found = e.found === null ? 'end of file' : e.found === '\n' ? 'end of line' : JSON.stringify(e.found);
  const expected = [
    ...new Set((e.expected ?? []).map((x) => words[x.description ?? ''] ?? x.description)),
  ].filter((x) => x !== '' && x !== undefined);
  const tail = expected.length > 0 && expected.length <= 4 ? `, expected ${expected.join(' or ')}` : '';
  return `TOML syntax error: unexpected ${found}${tail}`;
};

/** Loaded with require: importing CommonJS from ESM costs a cold start the export lexer. */
const toml: { parse: (text: string) => unknown } = createRequire(import.meta.url)('toml');

/**
 * `toml` spends about 4 ms on a 1 KB file, so an agent re-reading an unchanged repository
 * every pass reuses earlier parses of the same text. Parsed values are shared: read only.
 */
const memo = new Map<string, unknown>();
const MEMO_LIMIT = 4096;

const parseMemo = (text: string): unknown => {
  if (memo.has(text)) return memo.get(text);
  const value = toml.parse(text);
  if (memo.size >= MEMO_LIMIT) memo.delete(memo.keys().next().value!);
  memo.set(text, value);
  return value;
};

/** The parsed document (read only), or the parser's error located at its line and column. */
export function parseToml(
  file: string,
  text: string,
): { ok: true; value: unknown } | { ok: false; error: SpecError } {
  try {
    return { ok: true, value: parseMemo(text) };
  } catch (err) {
    const e = err as PegError;
    return {
      ok: false,
      error: {
        file,
        ...(typeof e.line === 'number' && { line: e.line }),
        ...(typeof e.column === 'number' && { column: e.column }),
        path: '',
        message: describeSyntax(e),
      },
    };
  }
}
