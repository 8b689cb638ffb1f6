/**
 * podman's container event actions, and what the informer does with each (podman 4.3
 * spellings included): refresh the cached entry, patch its state in place, tell listeners.
 */
import type { ObservedInstance } from '../../domain/observed.js';
import type { RuntimeEvent } from '../../ports/instance-runtime.js';

/** Container actions after which the cached entry is refreshed (podman 4.3 spellings included). */
export const REFRESH = new Set([
  'create',
  'init',
  'start',
  'restart',
  'stop',
  'die',
  'died',
  'kill',
  'cleanup',
  'pause',
  'unpause',
  'rename',
  'remove',
  'destroy',
  'restore',
]);
/**
 * For a container already in the cache, what an event says about it without asking podman:
 * the state it leaves the container in, or nothing for events that change no observed field.
 * Patching from the ordered event stream spares podman a list call per event (each takes the
 * lock of every container, slowing a converge's creates); unknown containers and events that
 * can change more than the state (rename, restore) still get a targeted list.
 */
export const PATCH: Record<string, ObservedInstance['state'] | null> = {
  start: 'running',
  restart: 'running',
  unpause: 'running',
  pause: 'paused',
  die: 'exited',
  died: 'exited',
  create: null,
  init: null,
  kill: null,
  stop: null,
  cleanup: null,
};
/** Container actions that reach onEvent listeners, and under which name. */
export const EMIT: Record<string, RuntimeEvent['type']> = {
  create: 'create',
  start: 'start',
  restart: 'start',
  die: 'die',
  died: 'die',
  stop: 'stop',
  remove: 'remove',
  destroy: 'remove',
};
