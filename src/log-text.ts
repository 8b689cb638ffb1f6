/**
 * The agent's log as a person reads it at a terminal: one line per event with the time, the
 * level, the fixed message and the few scalar fields that say which thing it was about.
 * Structured values (lists, objects) stay in the JSON format, where a machine reads them.
 */
import { format } from 'winston';

const COLOUR: Record<string, string> = { error: '31', warn: '33', info: '32', debug: '90' };
/** Metadata every line has, or that the message already says (a pass line carries its time and summary). */
const SKIP = new Set(['level', 'message', 'timestamp', 'component', 'splat', 'at', 'summary']);
const MAX_FIELDS = 6;

const show = (v: unknown): string | undefined => {
  if (typeof v === 'string')
    return /^[^\s"=]{1,80}$/.test(v) ? v : JSON.stringify(v.length > 120 ? `${v.slice(0, 117)}...` : v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
};

/** `key=value` pairs of the scalar metadata, in the order logged, at most MAX_FIELDS. */
export const textFields = (meta: Record<string, unknown>): string => {
  const pairs: string[] = [];
  for (const [k, v] of Object.entries(meta)) {
    if (SKIP.has(k)) continue;
    const shown = show(v);
    if (shown !== undefined) pairs.push(`${k}=${shown}`);
    if (pairs.length === MAX_FIELDS) break;
  }
  return pairs.join(' ');
};

/** A winston format printing `HH:MM:SS.mmm LEVEL message key=value...`, coloured when `colour`. */
export const textFormat = (colour: boolean) =>
  format.printf((info) => {
    const time = new Date(typeof info.timestamp === 'string' ? info.timestamp : Date.now())
      .toISOString()
      .slice(11, 23);
    const level = info.level.toUpperCase().padEnd(5);
    const fields = textFields(info as Record<string, unknown>);
    const code = COLOUR[info.level];
    const paint = (c: string, s: string): string => (colour && c ? `\x1b[${c}m${s}\x1b[0m` : s);
    return `${paint('90', time)} ${paint(code ?? '', level)} ${String(info.message)}${fields ? ` ${paint('2', fields)}` : ''}`;
  });
