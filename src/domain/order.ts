/**
 * One order for names everywhere: by UTF-16 code unit, the same on every host. Not
 * localeCompare, which depends on the locale and loads ICU's collation data (1.7 MB resident).
 */
export const byString = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Anything with a name, ordered by it as byString orders strings. */
export const byName = (a: { name: string }, b: { name: string }): number => byString(a.name, b.name);
