/* Generated from schema/ by `npm run gen` (json-schema-to-typescript). Do not edit. */

/**
 * Lower-case DNS label (RFC 1123).
 */
export type DnsLabel = string;
/**
 * [ip:]host:container[/tcp|udp]
 */
export type PortSpec = string;
/**
 * host:container[:ro|rw], both absolute paths.
 */
export type VolumeSpec = string;
/**
 * KEY=VALUE
 */
export type EnvEntry = string;

/**
 * One service of the desired state: services/<name>.toml in the services repository. String values other than name and node may hold ${node.name}, ${var.NAME} and ${var.NAME:-default}, replaced before validation; $${ is a literal ${.
 */
export interface ServiceFile {
  /**
   * Service name; must equal the file name.
   */
  name: string;
  /**
   * The node whose agent runs this service, or a list of nodes: each runs its own copy, its ${node.name} and ${var.NAME} resolved with that node's variables.
   */
  node: DnsLabel | [DnsLabel, ...DnsLabel[]];
  /**
   * false keeps the service defined but stopped.
   */
  active?: boolean;
  /**
   * Services that must be running before this one starts.
   */
  depends_on?: DnsLabel[];
  /**
   * @minItems 1
   */
  components: [Component, ...Component[]];
  /**
   * false: a new spec that never becomes healthy stays (degraded) instead of being rolled back to the last healthy one.
   */
  rollback?: boolean;
}
export interface Component {
  name: DnsLabel;
  /**
   * container: a long-running container; unikernel: a VM under QEMU; job: a one-shot container run to completion around a change of its service (when), e.g. a database migration or a smoke test.
   */
  kind?: 'container' | 'unikernel' | 'job';
  /**
   * For a job: pre-deploy runs before the service's other components are changed (a failure keeps the old version running); post-deploy runs once they are healthy (a failure rolls the service back). Once per change of the service's spec.
   */
  when?: 'pre-deploy' | 'post-deploy';
  /**
   * For a job: seconds it may run; past them it is stopped and counts as failed.
   */
  timeout?: number;
  /**
   * Container image (tag or digest pinned), or for a unikernel the bootable image path.
   */
  image: string;
  network?: DnsLabel;
  user?: string;
  restart?: 'no' | 'always' | 'on-failure' | 'unless-stopped';
  ports?: PortSpec[];
  volumes?: VolumeSpec[];
  cmd?: string[];
  env?: EnvEntry[];
  /**
   * Secrets the component receives, decrypted on the node (containers only).
   */
  secrets?: SecretUse[];
  /**
   * Components of the same service that must be running first.
   */
  depends_on?: DnsLabel[];
  routes?: Route[];
  /**
   * Unikernel memory in MiB.
   */
  memory?: number;
  /**
   * Unikernel virtual CPUs.
   */
  cpus?: number;
  health?: Health;
  /**
   * When the agent pulls the image: missing (only when it is not present locally), always (before every create and recreate), newer (also asks the registry for the tag's digest every [images] check_interval and on mcp sync, and recreates the component when it moved). Containers only.
   */
  pull?: 'missing' | 'always' | 'newer';
}
/**
 * A secret the component receives: the file secrets/<service>/<name>.age beside services/ (age-encrypted to the node's recipients), decrypted on the node. Exactly one of env and file.
 */
export interface SecretUse {
  /**
   * The secret's name: secrets/<service>/<name>.age.
   */
  name: string;
  /**
   * Hand the value to the container as this environment variable. Like every variable it is in podman's record of the container (podman inspect, as root on the node); prefer file.
   */
  env?: string;
  /**
   * Hand the value to the container as this read-only file: a file on the agent's tmpfs (secrets.runtime_dir), bind-mounted; it never touches a disk.
   */
  file?: string;
  /**
   * With file: the file's permission bits, octal. The file belongs to the component's numeric user (uid[:gid]), else root.
   */
  mode?: string;
}
export interface Route {
  name: DnsLabel;
  /**
   * Port inside the component.
   */
  port: number;
  mode?: 'l4' | 'l7';
  hostname?: string;
}
/**
 * How the agent tells a serving instance from a merely running one: exactly one of cmd, http or tcp.
 */
export interface Health {
  /**
   * Run inside the container (podman's own healthcheck): exit 0 is healthy. Containers only.
   *
   * @minItems 1
   */
  cmd?: [string, ...string[]];
  /**
   * A port the component listens on (container port, or the VM's guest port); GET must answer 2xx or 3xx.
   */
  http?: number;
  /**
   * The path the http probe asks for.
   */
  path?: string;
  /**
   * A port on which a connection must be accepted.
   */
  tcp?: number;
  /**
   * Seconds between probes.
   */
  interval?: number;
  /**
   * Seconds a probe may take.
   */
  timeout?: number;
  /**
   * Consecutive failures before unhealthy.
   */
  retries?: number;
  /**
   * Seconds after start when failures do not count.
   */
  start_period?: number;
  /**
   * Seconds for a new instance to become healthy, else its rollout failed.
   */
  start_timeout?: number;
}
