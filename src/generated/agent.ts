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
     * File push / pull reaches only <files_root>/<service>/ of this node's services. Relative to this file.
     */
    files_root?: string;
    /**
     * PEM certificate; with tls_key (both or neither), the API serves HTTPS.
     */
    tls_cert?: string;
    /**
     * PEM key of tls_cert.
     */
    tls_key?: string;
    /**
     * File holding the webhooks' HMAC secret, at least 16 bytes; without it the webhook endpoint answers 404.
     */
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
