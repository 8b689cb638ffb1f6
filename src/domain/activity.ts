/**
 * What the agent is doing to an instance right now, while a pass's runtime call runs: the
 * phases `mcp deploy` shows between "asked" and "running" (and on the way out).
 */

/** `pulling` only while an image is really being pulled (it was not present locally). */
export type ActivityPhase = 'pulling' | 'creating' | 'starting' | 'stopping' | 'removing';

/** One instance's phase and since when (ISO time). */
export interface Activity {
  phase: ActivityPhase;
  since: string;
}
