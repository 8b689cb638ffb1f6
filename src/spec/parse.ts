/** TOML text -> plain value, or one located syntax error in words a person can act on. */
import toml from 'toml';
import type { SpecError } from './types.js';

interface PegError {
  message: string;
  line?: number;
  column?: number;
  found?: string | null;
  expected?: { description?: string }[] | null;
}

const describeSyntax = (e: PegError): string => {
  if (e.found === undefined) return e.message.replace(/\.$/, '');
  const found = e.found === null ? 'end of file' : JSON.stringify(e.found);
  const expected = [...new Set((e.expected ?? []).map((x) => x.description ?? '?'))];
  const tail = expected.length > 0 && expected.length <= 4 ? `, expected ${expected.join(' or ')}` : '';
  return `TOML syntax error: unexpected ${found}${tail}`;
};

/** The parsed document, or the parser's error located at its line and column. */
export function parseToml(file: string, text: string): { ok: true; value: unknown } | { ok: false; error: SpecError } {
  try {
    return { ok: true, value: toml.parse(text) };
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
