/**
 * Normalised desired state: what the planner and the runtimes consume. Produced only by
 * src/validate (which validates the TOML first), so everything here is trusted and canonical:
 * defaults filled, lists in a stable order, ports and volumes parsed.
 */

import type { SecretUse } from './secrets.js';

export type ComponentKind = 'container' | 'unikernel';
export type RestartPolicy = 'no' | 'always' | 'on-failure' | 'unless-stopped';
export type Protocol = 'tcp' | 'udp';

/** One published port: `[hostIp:]hostPort:containerPort[/protocol]`. */
export interface PortBinding {
  hostIp: string; // '' means all addresses
  hostPort: number;
  containerPort: number;
  protocol: Protocol;
}

/** One bind mount: `source:target[:ro|rw]`. */
export interface VolumeMount {
  source: string;
  target: string;
  readOnly: boolean;
}

/** A named port the agent publishes on a host port it allocates (10000-60000). */
export interface Route {
  name: string;
  port: number;
  mode: 'l4' | 'l7';
  hostname?: string;
}

/** What a health probe checks: a command inside the container, an HTTP GET, or a TCP connect. */
export type HealthProbe =
  | { kind: 'cmd'; cmd: string[] }
  | { kind: 'http'; port: number; path: string }
  | { kind: 'tcp'; port: number };

/** A component's `[components.health]` table, defaults filled; durations in seconds. */
export interface HealthSpec {
  probe: HealthProbe;
  interval: number;
  timeout: number;
  retries: number;
  startPeriod: number;
  startTimeout: number;
}

/** What makes a container component a job: run to completion around a change of its service. */
export interface JobSpec {
  /** pre-deploy: before the service's other components change; post-deploy: once they are healthy. */
  when: 'pre-deploy' | 'post-deploy';
  /** Seconds it may run. */
  timeout: number;
}

/** One component of a service: a container or a unikernel VM. */
export interface ComponentSpec {
  service: string;
  name: string;
  kind: ComponentKind;
  image: string;
  network?: string;
  user?: string;
  restart: RestartPolicy;
  ports: PortBinding[];
  volumes: VolumeMount[];
  cmd: string[];
  env: string[];
  /** Absent when the component names none (so older specs hash as they did). */
  secrets?: SecretUse[];
  dependsOn: string[];
  routes: Route[];
  memory?: number;
  cpus?: number;
  /** Absent: no probe, so running is as good as it gets. */
  health?: HealthSpec;
  /** Present for a job (`kind = "job"` in the file; a container run to completion, never kept running). */
  job?: JobSpec;
  /**
   * The variables the fields were resolved with (field -> `var.tag` -> value), so a plan can
   * name a variable as the cause of a change. Not part of the spec hash: the values are.
   */
  vars?: Record<string, Record<string, string>>;
  /** When the image is pulled (ImagePull); absent: `missing`, only when not present locally. */
  pull?: Exclude<ImagePull, 'missing'>;
  /**
   * For `pull = "newer"` only, set by the agent and never by a service file: the local image id
   * the tag named when the pass looked (pinImages). It is part of the spec hash, so an image the
   * digest check pulled is a spec change like any other: recreated through the health gate, and
   * rolled back to the id that last ran healthy.
   */
  imageId?: string;
}

/**
 * When a container's image is pulled: `missing` only when no local image has the reference
 * (the default); `always` before every create and recreate; `newer` like `missing`, and the
 * agent asks the registry for the tag's digest on its own timer, pulling and recreating when it moved.
 */
export type ImagePull = 'missing' | 'always' | 'newer';

/** One service, as one file of the services repository defines it. */
export interface ServiceSpec {
  name: string;
  node: string;
  active: boolean;
  dependsOn: string[];
  /** false: a new spec that never becomes healthy stays (degraded) instead of being rolled back. Absent: true. */
  rollback?: false;
  components: ComponentSpec[];
  /** The ciphertexts (base64) of the secrets its components name, by name; absent when none. */
  secrets?: Record<string, string>;
  /** Path of the defining file relative to the repository root, for messages. */
  file: string;
}

/** A whole valid revision of the services repository. */
export interface Revision {
  /** Git commit id, or undefined when loaded from a plain directory. */
  commit?: string;
  services: ServiceSpec[];
}

/**
 * `network` values that are modes of the runtime rather than networks to join: `none` (no
 * network at all) and `host` (the node's own stack, admitted only where the node's policy
 * lists it). Other podman modes are rejected by validation.
 */
export const NETWORK_MODES = ['host', 'none'] as const;

/** True when `network` names a mode (NETWORK_MODES), not a network. */
export const isNetworkMode = (network: string | undefined): boolean =>
  (NETWORK_MODES as readonly (string | undefined)[]).includes(network);

/** The container (or VM) name of a component: `<service>-<component>`. */
export const instanceName = (c: { service: string; name: string }): string => `${c.service}-${c.name}`;

/** A component's published ports (`127.0.0.1:8080->80`, `53->53/udp`) and routes (`route rest->8443`), for people. */
export const portsText = (c: Pick<ComponentSpec, 'ports' | 'routes'>): string[] => [
  ...c.ports.map(
    (p) =>
      `${p.hostIp ? `${p.hostIp}:` : ''}${p.hostPort}->${p.containerPort}${p.protocol === 'udp' ? '/udp' : ''}`,
  ),
  ...c.routes.map((r) => `route ${r.name}->${r.port}`),
];
