/**
 * Where things are in a TOML text. The `toml` parser returns plain values without positions,
 * so schema and semantic errors find their line here: a small, tolerant scanner that records
 * the position of every table header, key and array element under its JSON pointer.
 */
import { toPointer } from './paths.js';
import type { KeyPath } from './types.js';

/** A 1-based line and column. */
export interface Position {
  line: number;
  column: number;
}

const isBare = (c: string | undefined): boolean => c !== undefined && /[A-Za-z0-9_-]/.test(c);

/** Scans `text` once; returns every recorded position keyed by JSON pointer. */
export function scanPositions(text: string): Map<string, Position> {
  const positions = new Map<string, Position>();
  const counts = new Map<string, number>();
  let i = 0;
  let line = 1;
  let lineStart = 0;

  const pos = (): Position => ({ line, column: i - lineStart + 1 });
  const record = (path: KeyPath, p: Position): void => {
    const key = toPointer(path);
    if (!positions.has(key)) positions.set(key, p);
  };
  /** A dotted key `a.b.c = v` defines tables a and a.b too: each is found at the key's start. */
  const recordKeys = (base: KeyPath, keys: string[], p: Position): void => {
    for (let n = 1; n <= keys.length; n++) record([...base, ...keys.slice(0, n)], p);
  };
  const advance = (n = 1): void => {
    for (let k = 0; k < n && i < text.length; k++) {
      if (text[i] === '\n') {
        line++;
        lineStart = i + 1;
      }
      i++;
    }
  };
  const skipToEol = (): void => {
    while (i < text.length && text[i] !== '\n') i++;
  };
  const skipSpace = (newlines: boolean): void => {
    while (i < text.length) {
      const c = text[i];
      if (c === ' ' || c === '\t' || c === '\r' || (c === '\n' && newlines)) advance();
      else if (c === '#') skipToEol();
      else return;
    }
  };

  const readString = (): string => {
    const q = text[i];
    const triple = text.startsWith(q.repeat(3), i);
    const close = triple ? q.repeat(3) : q;
    advance(close.length);
    const start = i;
    while (i < text.length && !text.startsWith(close, i) && (triple || text[i] !== '\n')) {
      advance(q === '"' && text[i] === '\\' ? 2 : 1);
    }
    const raw = text.slice(start, i);
    advance(close.length);
    if (q === "'") return raw;
    try {
      return JSON.parse(`"${raw}"`);
    } catch {
      return raw;
    }
  };

  const readKey = (): string => {
    if (text[i] === '"' || text[i] === "'") return readString();
    const start = i;
    while (isBare(text[i])) advance();
    return text.slice(start, i);
  };

  const readDottedKey = (): string[] => {
    const keys: string[] = [];
    for (;;) {
      skipSpace(false);
      const before = i;
      keys.push(readKey());
      skipSpace(false);
      if (text[i] !== '.' || i === before) return keys;
      advance();
    }
  };

  const scanValue = (path: KeyPath): void => {
    const c = text[i];
    if (c === '"' || c === "'") {
      readString();
    } else if (c === '[') {
      advance();
      for (let n = 0; ; n++) {
        skipSpace(true);
        if (i >= text.length || text[i] === ']') break;
        record([...path, n], pos());
        const before = i;
        scanValue([...path, n]);
        skipSpace(true);
        if (text[i] === ',') advance();
        else if (i === before) break;
      }
      advance();
    } else if (c === '{') {
      advance();
      for (;;) {
        skipSpace(true);
        if (i >= text.length || text[i] === '}') break;
        const at = pos();
        const before = i;
        const keys = readDottedKey();
        if (i === before) break;
        recordKeys(path, keys, at);
        skipSpace(false);
        if (text[i] === '=') advance();
        skipSpace(false);
        scanValue([...path, ...keys]);
        skipSpace(true);
        if (text[i] === ',') advance();
      }
      advance();
    } else {
      while (i < text.length && !/[\s,\]}#]/.test(text[i])) advance();
    }
  };

  /** `[a.b]` / `[[a.b]]` -> concrete path, with the element index of every array of tables. */
  const resolveHeader = (keys: string[], isArray: boolean): KeyPath => {
    const path: (string | number)[] = [];
    keys.forEach((key, n) => {
      path.push(key);
      const ptr = toPointer(path);
      const count = counts.get(ptr);
      if (isArray && n === keys.length - 1) {
        counts.set(ptr, (count ?? 0) + 1);
        path.push(count ?? 0);
      } else if (count !== undefined) path.push(count - 1);
    });
    return path;
  };

  let table: KeyPath = [];
  while (i < text.length) {
    skipSpace(true);
    if (i >= text.length) break;
    const start = pos();
    if (text[i] === '[') {
      const isArray = text[i + 1] === '[';
      advance(isArray ? 2 : 1);
      table = resolveHeader(readDottedKey(), isArray);
      record(table, start);
    } else {
      const before = i;
      const keys = readDottedKey();
      if (i !== before && text[i] === '=') {
        advance();
        skipSpace(false);
        recordKeys(table, keys, start);
        scanValue([...table, ...keys]);
      }
    }
    skipToEol();
  }
  return positions;
}

/**
 * A locator for one text: the position of the deepest recorded ancestor of `path`
 * (an unknown key's own line, a missing key's table header, the file start at worst).
 */
export function locator(text: string): (path: KeyPath) => Position {
  let positions: Map<string, Position> | undefined;
  return (path) => {
    positions ??= scanPositions(text);
    for (let n = path.length; n > 0; n--) {
      const hit = positions.get(toPointer(path.slice(0, n)));
      if (hit) return hit;
    }
    return { line: 1, column: 1 };
  };
}
