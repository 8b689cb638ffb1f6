/**
 * Whether a runtime event concerns this node: its node label says so, or the instance is one
 * its inventory knows or its last good revision wants here. Another node's containers dying on
 * a shared podman do not wake this agent.
 */
import { instanceName } from '../domain/spec.js';
import type { RuntimeEvent } from '../ports/instance-runtime.js';
import type { StateStore } from '../ports/state-store.js';
import { ofNode } from './runtime-trigger.js';

const inInventory = (store: StateStore, name: string): boolean =>
  store.inventory().some((e) => e.name === name);

/** True when `name` is an instance of `node`'s by the inventory or the last good revision. */
const isOwnInstance = (store: StateStore, node: string, name: string): boolean =>
  inInventory(store, name) ||
  (store.lastGood()?.services ?? []).some(
    (s) => s.node === node && s.components.some((c) => instanceName(c) === name),
  );

/**
 * True when `event` is about an instance of `node`'s. Its node label answers at once; an
 * unlabelled container is this node's only when adopted (in the inventory), so the last good
 * revision is not parsed for every other container on a shared runtime.
 */
export const isOwnEvent = (store: StateStore, node: string, event: RuntimeEvent): boolean =>
  ofNode(event, node, (name) =>
    event.managed ? isOwnInstance(store, node, name) : inInventory(store, name),
  );
