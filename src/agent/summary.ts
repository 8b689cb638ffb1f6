/** The one line every pass ends with: what it did, to which revision, and when the next one is due. */
import type { PassStatus } from '../ports/state-store.js';

export const passLine = (status: PassStatus, nextSeconds?: number): string => {
  const rev = status.revision ? ` ${status.revision.slice(0, 7)}` : '';
  const next = nextSeconds === undefined ? '' : `; next pass in ${nextSeconds} s`;
  return `${status.result}${rev} in ${status.durationMs} ms: ${status.summary}${next}`;
};
