/** The admission policy's shapes: the rules (from the agent config) and what the node resolved. */

/** The rules, every default filled in (schema/agent.schema.json, `[admission]`). */
export interface AdmissionPolicy {
  allowed_volume_roots: string[];
  allowed_networks: string[];
  allowed_host_ips: string[];
  host_ports: { min: number; max: number };
  allowed_image_roots: string[];
  require_non_root: boolean;
}

/**
 * What a path is on the node. `unknown`: not resolved (no node to ask, as in CI); `missing`:
 * nothing there yet (the path as its existing parent resolves); `unresolvable`: a loop or
 * a denied lookup.
 */
export type PathKind =
  | 'file'
  | 'directory'
  | 'missing'
  | 'unknown'
  | 'socket'
  | 'device'
  | 'fifo'
  | 'other'
  | 'unresolvable';

/** A path as the node sees it: its real path (links followed) and what is there. */
export interface ResolvedPath {
  real: string;
  kind: PathKind;
  /** Why it could not be resolved, for `unresolvable`. */
  reason?: string;
}

/** Resolved paths by the path as written (normalised). */
export type Resolutions = ReadonlyMap<string, ResolvedPath>;
