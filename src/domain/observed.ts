/**
 * What really runs, as the runtimes report it, in our own words. The planner compares this
 * with the desired state; nothing here is a dockerode or QEMU type.
 */
import { type ComponentSpec, instanceName, type PortBinding, type VolumeMount } from './spec.js';

export type InstanceState = 'running' | 'created' | 'exited' | 'paused' | 'stopping' | 'unknown';

/** Labels MCP puts on every container it manages. */
export const LABEL = {
  managed: 'mcp.managed',
  service: 'mcp.service',
  component: 'mcp.component',
  specHash: 'mcp.spec-hash',
  revision: 'mcp.revision',
  /** The node whose agent created it: an agent sees only its own node's instances. */
  node: 'mcp.node',
  /** A job's container while it runs: labelled like an instance but not managed, so no pass plans it. */
  job: 'mcp.job',
} as const;

/** One container or VM as observed. */
export interface ObservedInstance {
  id: string;
  name: string;
  kind: 'container' | 'unikernel';
  state: InstanceState;
  image: string;
  /** The image id the instance was created from, where the runtime reports it. */
  imageId?: string;
  labels: Record<string, string>;
  /** A VM's address on the isolated bridge, where it has one. */
  address?: string;
}

/** A complete observation of one node. Partial views are errors, never an Observed. */
export interface Observed {
  instances: ObservedInstance[];
  /** Image reference -> current local image id, for the images the desired state names. */
  images: Record<string, string>;
}

/** What MCP's registry remembers creating: the only things prune may remove. */
export interface InventoryEntry {
  name: string;
  service: string;
  component: string;
  kind: 'container' | 'unikernel';
  specHash: string;
  /** The spec it was created from, so a recreate can say which fields changed. */
  spec?: ComponentSpec;
  /**
   * Recorded just before the create it announces and not yet confirmed: the name is MCP's to
   * prune if a labelled container turns up (a crash between create and confirmation), but not
   * proof that a container under that name was ever MCP's.
   */
  claimed?: boolean;
  /**
   * Set when MCP adopted a container it did not create (`mcp adopt`) and kept it as it ran:
   * that container's id. It carries no MCP labels; the inventory vouches for it instead.
   */
  adoptedId?: string;
}

/**
 * What runs in an instance, in spec terms, as far as adoption compares it: a container MCP
 * did not create is taken over as it runs only when all of this matches the desired spec.
 * `env` and `cmd` leave out what the image itself sets.
 */
export interface RunningConfig {
  id: string;
  imageId?: string;
  ports: PortBinding[];
  volumes: VolumeMount[];
  env: string[];
  cmd: string[];
  user?: string;
  network?: string;
}

/** The inventory record of an instance created from `spec` (claimed: recorded before its create). */
export const inventoryEntry = (spec: ComponentSpec, hash: string, claimed = false): InventoryEntry => ({
  name: instanceName(spec),
  service: spec.service,
  component: spec.name,
  kind: spec.kind,
  specHash: hash,
  spec,
  ...(claimed ? { claimed: true } : {}),
});
