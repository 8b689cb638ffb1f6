/**
 * Builders of planner inputs for unit tests and the benchmark: specs with the loader's
 * defaults, observed instances as MCP labels them, and a simulation of a plan's effects.
 */
import { specHash } from '../../src/domain/hash.js';
import {
  type InventoryEntry,
  inventoryEntry,
  LABEL,
  type Observed,
  type ObservedInstance,
} from '../../src/domain/observed.js';
import type { Plan } from '../../src/domain/plan-types.js';
import { type ComponentSpec, instanceName, type ServiceSpec } from '../../src/domain/spec.js';

/** A container component with the normaliser's defaults. */
export const component = (
  service: string,
  name: string,
  over: Partial<ComponentSpec> = {},
): ComponentSpec => ({
  service,
  name,
  kind: 'container',
  image: `registry.example:8443/${service}-${name}:v1.0.0`,
  restart: 'unless-stopped',
  ports: [],
  volumes: [],
  cmd: [],
  env: [],
  dependsOn: [],
  routes: [],
  ...over,
});

/** A service of `node` with one component per name (or the given components). */
export const service = (
  name: string,
  components: (string | ComponentSpec)[],
  over: Partial<Omit<ServiceSpec, 'components'>> = {},
): ServiceSpec => ({
  name,
  node: 'rift',
  active: true,
  dependsOn: [],
  components: components.map((c) => (typeof c === 'string' ? component(name, c) : c)),
  file: `services/${name}.toml`,
  ...over,
});

/** The instance MCP would have created from `spec`, with its labels and image id. */
export const instanceOf = (spec: ComponentSpec, over: Partial<ObservedInstance> = {}): ObservedInstance => ({
  id: `id-${instanceName(spec)}`,
  name: instanceName(spec),
  kind: spec.kind,
  state: 'running',
  image: spec.image,
  imageId: `sha256:${spec.image}`,
  labels: {
    [LABEL.managed]: 'true',
    [LABEL.service]: spec.service,
    [LABEL.component]: spec.name,
    [LABEL.specHash]: specHash(spec),
  },
  ...over,
});

/** The inventory record MCP keeps of an instance it created from `spec`. */
export const entryOf = (spec: ComponentSpec): InventoryEntry => inventoryEntry(spec, specHash(spec));

/** Image ids of every image the specs name, as the runtime would report them. */
export const imagesOf = (specs: readonly ComponentSpec[]): Record<string, string> =>
  Object.fromEntries(specs.map((s) => [s.image, `sha256:${s.image}`]));

/**
 * What the world looks like after a faithful apply of `plan`: a reference model of the
 * apply engine's effects, so tests can check that replanning converges.
 */
export function applyEffects(
  plan: Plan,
  observed: Observed,
  inventory: readonly InventoryEntry[],
): { observed: Observed; inventory: InventoryEntry[] } {
  const instances = new Map(observed.instances.map((i) => [i.name, { ...i }]));
  const entries = new Map(inventory.map((e) => [e.name, e]));
  for (const action of plan.stages.flat()) {
    const current = instances.get(action.name);
    if ((action.kind === 'create' || action.kind === 'recreate') && action.spec) {
      const imageId = observed.images[action.spec.image];
      instances.set(action.name, instanceOf(action.spec, { id: `new-${action.name}`, imageId }));
      entries.set(action.name, entryOf(action.spec));
    }
    if (action.kind === 'start' && current) current.state = 'running';
    if (action.kind === 'stop' && current) current.state = 'exited';
    if (action.kind === 'remove') {
      instances.delete(action.name);
      entries.delete(action.name);
    }
  }
  return {
    observed: { instances: [...instances.values()], images: observed.images },
    inventory: [...entries.values()],
  };
}
