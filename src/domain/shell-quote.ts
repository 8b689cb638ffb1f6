/** POSIX shell quoting: for the commands `mcp render` prints, and a probe podman must run through sh. */

const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** One word for sh: unchanged when safe, else single-quoted with embedded quotes escaped. */
export const shellQuote = (word: string): string =>
  SAFE.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
