/* Generated from schema/ by `npm run gen` (json-schema-to-typescript). Do not edit. */

/**
 * mcp-agent.toml: the configuration of one node's agent.
 */
export interface AgentConfig {
  node: string;
  state_dir?: string;
  /**
   * Where desired state comes from: a git remote, or a local directory (watched).
   */
  source: {
    /**
     * The services repository over HTTP(S), e.g. https://git.example/ops/services.git.
     */
    url?: string;
    branch?: string;
    /**
     * Without url: the local directory of services/, watched for changes. With url: where the agent keeps its bare clone of the remote (default <state_dir>/source.git).
     */
    path?: string;
    /**
     * Seconds between periodic passes.
     */
    interval?: number;
    username?: string;
    /**
     * File holding the HTTP password or access token; read on every fetch.
     */
    token_file?: string;
  };
  podman?: {
    socket?: string;
    stop_timeout?: number;
    relist_interval?: number;
  };
  api?: {
    listen?: string;
    /**
     * File push / pull reaches only <files_root>/<service>/ of this node's services.
     */
    files_root?: string;
    tls_cert?: string;
    tls_key?: string;
    webhook_secret_file?: string;
    tokens?: {
      name: string;
      sha256: string;
      role: 'read' | 'operate';
    }[];
  };
  bridge?: {
    name?: string;
    subnet?: string;
    gateway?: string;
  };
  /**
   * How unikernel VMs run.
   */
  qemu?: {
    binary?: string;
    /**
     * auto: at start-up, boot a tiny probe guest under KVM and use KVM only if it runs within probe_timeout, else TCG (an open /dev/kvm proves nothing). kvm or tcg: that one, no probe.
     */
    accel?: 'auto' | 'kvm' | 'tcg';
    /**
     * Seconds the KVM probe guest has to print its line (accel = auto).
     */
    probe_timeout?: number;
    /**
     * Seconds a VM's guest has to write to its serial console; a silent one is killed and its create fails.
     */
    boot_timeout?: number;
  };
  policy?: {
    /**
     * Repair drift (stopped, removed, altered containers).
     */
    heal?: boolean;
    /**
     * Remove containers of services no longer defined.
     */
    prune?: boolean;
    concurrency?: number;
    retries?: number;
  };
  log?: {
    level?: 'error' | 'warn' | 'info' | 'debug';
  };
}
