/**
 * Whether a runtime event concerns this node: the instance is one its inventory knows or its
 * last good revision wants here. Another node's containers dying on a shared podman do not
 * wake this agent.
 */
import { instanceName } from '../domain/spec.js';
import type { StateStore } from '../ports/state-store.js';

/** True when `name` is an instance of `node`'s by the inventory or the last good revision. */
export const isOwnInstance = (store: StateStore, node: string, name: string): boolean =>
  store.inventory().some((e) => e.name === name) ||
  (store.lastGood()?.services ?? []).some(
    (s) => s.node === node && s.components.some((c) => instanceName(c) === name),
  );
