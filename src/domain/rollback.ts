/**
 * Rollback to the last healthy spec, pure. The registry keeps, per component, the spec it
 * last saw healthy and the (component, spec hash) pairs that failed their rollout; before a
 * pass plans, every component whose desired spec failed is given its last healthy spec
 * instead, so the failed spec is not applied again while the revision still asks for it.
 */
import { specHash } from './hash.js';
import { type ComponentSpec, instanceName, type ServiceSpec } from './spec.js';

/** The spec an instance last ran healthy, and where it came from. */
export interface HealthySpec {
  name: string;
  spec: ComponentSpec;
  hash: string;
  imageId?: string;
  revision?: string;
}

/** A (component, spec hash) whose rollout failed: sticky until the revision asks for another spec. */
export interface FailedSpec {
  name: string;
  hash: string;
  /** "unhealthy after 120 s", "crash-looping". */
  reason: string;
  revision?: string;
  at: string;
}

/** A component held on its last healthy spec, and the status line that says so. */
export interface RolledBack {
  name: string;
  failed: FailedSpec;
  running: HealthySpec;
  message: string;
}

/** "rolled back: api app:v1.3.0 (abc1234) unhealthy after 120 s; running app:v1.2.9 from def5678". */
export const rollbackMessage = (spec: ComponentSpec, failed: FailedSpec, running: HealthySpec): string =>
  `rolled back: ${spec.name} ${spec.image} (${short(failed.revision) ?? failed.hash}) ${failed.reason}; ` +
  `running ${running.spec.image} from ${short(running.revision) ?? running.hash}`;

const short = (revision?: string): string | undefined => revision?.slice(0, 7);

/**
 * The services with every failed component spec replaced by its last healthy one, and which
 * were replaced. A failed spec without a healthy one to go back to stays (nothing better exists).
 */
export function withRollbacks(
  services: readonly ServiceSpec[],
  failed: ReadonlyMap<string, FailedSpec>,
  healthy: ReadonlyMap<string, HealthySpec>,
): { services: ServiceSpec[]; rolledBack: Map<string, RolledBack> } {
  const rolledBack = new Map<string, RolledBack>();
  if (failed.size === 0) return { services: [...services], rolledBack };
  const out = services.map((service) => {
    let changed = false;
    const components = service.components.map((c) => {
      const name = instanceName(c);
      const mark = failed.get(name);
      const good = healthy.get(name);
      if (!mark || !good || mark.hash !== specHash(c) || good.hash === mark.hash) return c;
      changed = true;
      rolledBack.set(name, { name, failed: mark, running: good, message: rollbackMessage(c, mark, good) });
      return good.spec;
    });
    return changed ? { ...service, components } : service;
  });
  return { services: out, rolledBack };
}

/** Failed marks the revision no longer asks for (a new commit changed the spec): to clear. */
export const staleMarks = (
  services: readonly ServiceSpec[],
  failed: ReadonlyMap<string, FailedSpec>,
): string[] => {
  const desired = new Map(services.flatMap((s) => s.components.map((c) => [instanceName(c), c] as const)));
  return [...failed.values()]
    .filter((f) => {
      const spec = desired.get(f.name);
      return !spec || specHash(spec) !== f.hash;
    })
    .map((f) => f.name);
};
