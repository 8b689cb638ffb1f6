/** TOML text -> plain value, or one located syntax error in words a person can act on. */
import { createRequire } from 'node:module';
import type { SpecError } from './types.js';

/** A peggy syntax error (`location`) or one of the compiler's semantic errors (`line`, `column`). */
interface PegError {
  message: string;
  line?: number;
  column?: number;
  location?: { start: { line: number; column: number } };
  found?: string | null;
  expected?: { type: string; text?: string }[] | null;
}

/** What a person calls the characters the parser wanted; classes and whitespace say nothing useful. */
const expectedWords = (e: PegError): string[] => {
  const words = (e.expected ?? []).map((x) => {
    if (x.type === 'end') return 'end of file';
    if (x.type !== 'literal' || x.text === undefined) return '';
    if (x.text === '\n') return 'end of line';
    if (x.text === '\r' || x.text === '#') return '';
    return JSON.stringify(x.text);
  });
  return [...new Set(words)].filter((w) => w !== '');
};

const foundWords = (found: string | null): string =>
  found === null ? 'end of file' : found === '\n' || found === '\r' ? 'end of line' : JSON.stringify(found);

/** A basic string's closing quote is among the expected characters only while inside one. */
const inString = (e: PegError): boolean =>
  (e.found === '\n' || e.found === '\r' || e.found === null) &&
  (e.expected ?? []).some((x) => x.type === 'literal' && x.text === '\\u');

const describeSyntax = (e: PegError): string => {
  if (e.found === undefined) return `TOML error: ${e.message.replace(/\.$/, '')}`;
  if (inString(e)) return 'TOML syntax error: unterminated string (a basic string ends on its own line)';
  const expected = expectedWords(e);
  const tail = expected.length > 0 && expected.length <= 4 ? `, expected ${expected.join(' or ')}` : '';
  return `TOML syntax error: unexpected ${foundWords(e.found)}${tail}`;
};

/** The fault's own line and column: peggy's start of the unexpected input, or the compiler's. */
const positionOf = (e: PegError): { line?: number; column?: number } => {
  if (e.location) return { line: e.location.start.line, column: e.location.start.column };
  if (typeof e.line === 'number' && typeof e.column === 'number') return { line: e.line, column: e.column };
  return {};
};

/** Loaded with require: importing CommonJS from ESM costs a cold start the export lexer. */
const toml: { parse: (text: string) => unknown } = createRequire(import.meta.url)('toml');

/** Freezes `v` and everything in it, so a cached value cannot be changed by accident. */
const deepFreeze = <T>(v: T): T => {
  if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) {
    for (const x of Object.values(v)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
};

/** A mutable copy shaped exactly like a fresh parse: same prototypes (null for tables), new Dates. */
const copy = (v: unknown): unknown => {
  if (Array.isArray(v)) return v.map(copy);
  if (v instanceof Date) return new Date(v.getTime());
  if (v === null || typeof v !== 'object') return v;
  const entries = Object.entries(v).map(([k, x]) => [k, copy(x)]);
  return Object.setPrototypeOf(Object.fromEntries(entries), Object.getPrototypeOf(v));
};

/**
 * `toml` 5.x spends about 0.3 ms on a 0.5 KB file (3.x took 5 ms; test/bench/toml.ts); an agent
 * re-reading an unchanged repository every pass still reuses earlier parses of the same text.
 * Cached values are deeply frozen.
 */
const memo = new Map<string, unknown>();
const MEMO_LIMIT = 4096;

const parseMemo = (text: string): unknown => {
  if (memo.has(text)) return memo.get(text);
  const value = deepFreeze(toml.parse(text));
  if (memo.size >= MEMO_LIMIT) memo.delete(memo.keys().next().value!);
  memo.set(text, value);
  return value;
};

type Parsed = { ok: true; value: unknown } | { ok: false; error: SpecError };

const parseWith = (file: string, text: string, share: boolean): Parsed => {
  let value: unknown;
  try {
    value = parseMemo(text);
  } catch (err) {
    const e = err as PegError;
    return {
      ok: false,
      error: {
        file,
        ...positionOf(e),
        path: '',
        message: describeSyntax(e),
      },
    };
  }
  return { ok: true, value: share ? value : copy(value) };
};

/**
 * The parsed document as the caller's own copy, free to change (ajv's useDefaults, resolved
 * paths), or the parser's error located at its line and column.
 */
export const parseToml = (file: string, text: string): Parsed => parseWith(file, text, false);

/**
 * As parseToml, but the value is the cached one, deeply frozen and shared by every caller:
 * no copy per file per pass, for readers that only look (the services loader). Writing to it
 * throws a TypeError.
 */
export const parseTomlShared = (file: string, text: string): Parsed => parseWith(file, text, true);
