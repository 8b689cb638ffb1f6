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
   * Services (each must exist in the repository; no cycles) that must be running, and healthy when probed, before this one's components are created or started.
   */
  depends_on?: DnsLabel[];
  /**
   * The parts of the service ([[components]] tables): containers, VMs and jobs. Each runs as the instance <service>-<component>.
   *
   * @minItems 1
   */
  components: [Component, ...Component[]];
  /**
   * false: a new spec that never becomes healthy stays (degraded) instead of being rolled back to the last healthy one.
   */
  rollback?: boolean;
}
/**
 * One part of a service, run as the instance <service>-<component>.
 */
export interface Component {
  /**
   * Lower-case DNS label (RFC 1123).
   */
  name: string;
  /**
   * container: a long-running container; unikernel: a VM under QEMU; job: a one-shot container run to completion around a change of its service (when), e.g. a database migration or a smoke test.
   */
  kind?: 'container' | 'unikernel' | 'job';
  /**
   * For a job: pre-deploy runs before the service's other components are changed (a failure keeps the old version running); post-deploy runs once they are healthy (a failure rolls the service back). Once per change of the service's spec. Required for a job; jobs only.
   */
  when?: 'pre-deploy' | 'post-deploy';
  /**
   * For a job: seconds it may run; past them it is stopped and counts as failed. Jobs only.
   */
  timeout?: number;
  /**
   * Container image with a tag or digest pinned (pulled as pull says), or for a unikernel an absolute path under the node's [admission] allowed_image_roots: a directory holding vmlinuz (and optionally initrd.img), or a disk image (.qcow2, .img, .raw), opened read-only.
   */
  image: string;
  /**
   * Lower-case DNS label (RFC 1123).
   */
  network?: string;
  /**
   * The user (and group) the container runs as, by name or number (podman's --user). Without it: the image's user, maybe root; a node with [admission] require_non_root wants a numeric non-zero uid here. Not for a unikernel.
   */
  user?: string;
  /**
   * podman's restart policy for the container. The agent also starts a dead container again itself, with back-off. Not for jobs.
   */
  restart?: 'no' | 'always' | 'on-failure' | 'unless-stopped';
  /**
   * Host ports to publish. The address and host port must be allowed by the node's [admission] (allowed_host_ips, host_ports); a VM's go through QEMU's user-mode NIC. Not for a job.
   */
  ports?: PortSpec[];
  /**
   * Bind mounts. The host path must resolve under the node's [admission] allowed_volume_roots. Not for a unikernel.
   */
  volumes?: VolumeSpec[];
  /**
   * The container's command (instead of the image's CMD). For a unikernel booted from a directory (vmlinuz), words added to its kernel command line after console=ttyS0 mcp.name=<instance>.
   */
  cmd?: string[];
  /**
   * Environment variables of the container. For routes, the agent adds PORT and PORT_<ROUTE> after these (its values win).
   */
  env?: EnvEntry[];
  /**
   * Secrets the component receives, decrypted on the node. Not for a unikernel.
   */
  secrets?: SecretUse[];
  /**
   * Components of the same service that must be running (and healthy, when probed) before this one is created or started. Not for a job, and no component may depend on a job.
   */
  depends_on?: DnsLabel[];
  /**
   * Named ports the agent publishes on 127.0.0.1 at a host port it picks (10000-60000, kept across passes), for the host's proxy ([[components.routes]] tables). Not for a job.
   */
  routes?: Route[];
  /**
   * Unikernel memory in MiB. Unikernels only.
   */
  memory?: number;
  /**
   * Unikernel virtual CPUs. Unikernels only.
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
/**
 * A named port of a component, published on 127.0.0.1 at a host port the agent allocates; the container learns the port to listen on from PORT_<NAME> (and PORT, for the first route).
 */
export interface Route {
  /**
   * Lower-case DNS label (RFC 1123).
   */
  name: string;
  /**
   * Port inside the component.
   */
  port: number;
  /**
   * l4 (TCP) or l7 (HTTP): how the proxy in front of the node is to forward it. The agent publishes both alike.
   */
  mode?: 'l4' | 'l7';
  /**
   * The DNS name the proxy in front of the node serves this route under; the agent itself only records it with the spec.
   */
  hostname?: string;
}
/**
 * The component's health probe. Without one, an instance counts as healthy once it has run 10 s without dying. Not for a job.
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
