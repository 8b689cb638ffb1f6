/**
 * `pull = "newer"`: the local image id its tag names becomes part of the component's spec, so
 * an image the digest check pulled changes the spec hash and is rolled out (and rolled back)
 * like any spec change. Pure; the ids come from the runtime's observation.
 */
import { type NodeView, nodeView } from './node-view.js';
import type { ComponentSpec, ServiceSpec } from './spec.js';

const pinned = new WeakMap<ComponentSpec, Map<string, ComponentSpec>>();

/** `spec` with `imageId`, one object per (spec, id) so its hash is computed once. */
const pin = (spec: ComponentSpec, id: string): ComponentSpec => {
  const byId = pinned.get(spec) ?? new Map<string, ComponentSpec>();
  pinned.set(spec, byId);
  const out = byId.get(id) ?? { ...spec, imageId: id };
  byId.set(id, out);
  return out;
};

/** True for a component whose image the agent keeps current by asking the registry (never a job, which runs only on a change). */
export const followsTag = (c: ComponentSpec): boolean =>
  c.kind === 'container' && c.pull === 'newer' && c.job === undefined;

/** The last pinning of each service list, by node and ids. */
const lastPinned = new WeakMap<readonly ServiceSpec[], { key: string; services: ServiceSpec[] }>();

/**
 * The services with each `newer` component of `node` pinned to `images[its image]` (the local
 * id of the tag); a component whose image is not present locally is left unpinned (its create
 * pulls it). A component already pinned keeps its pin: it comes from the applied revision
 * (kept while a newer one is held, or while its secrets cannot be read) and runs what it ran.
 * Services untouched are returned as they are; the same services, node and ids again give the
 * same list (what is worked out per revision stays memoised while the tags stay where they are).
 */
export const pinImages = (
  services: readonly ServiceSpec[],
  node: string,
  images: Readonly<Record<string, string>>,
): ServiceSpec[] => {
  const key = `${node}\n${JSON.stringify(images)}`;
  const last = lastPinned.get(services);
  if (last?.key === key) return last.services;
  const out = services.map((s) => {
    if (s.node !== node || !s.components.some(followsTag)) return s;
    const components = s.components.map((c) => {
      if (!followsTag(c) || c.imageId !== undefined) return c;
      const id = images[c.image];
      return id ? pin(c, id) : c;
    });
    return { ...s, components };
  });
  lastPinned.set(services, { key, services: out });
  return out;
};

const followed = new WeakMap<NodeView, readonly string[]>();

/** The distinct images of `node`'s active `newer` components (worked out once per revision). */
export const followedImages = (services: readonly ServiceSpec[], node: string): readonly string[] => {
  const view = nodeView(services, node);
  let images = followed.get(view);
  if (!images) {
    images = [...new Set([...view.active.values()].filter(followsTag).map((c) => c.image))];
    followed.set(view, images);
  }
  return images;
};
