/* Generated from schema/ by `npm run gen` (json-schema-to-typescript). Do not edit. */

/**
 * mcp-agent.toml: the configuration of one node's agent.
 */
export interface AgentConfig {
  /**
   * This node's name: the agent runs the services whose `node` names it, resolves them with the repository's nodes/<node>.toml, and labels its instances with it.
   */
  node: string;
  /**
   * Values of ${var.NAME} in this node's service files. The repository's nodes/<node>.toml wins over a plain value here; a variable written { value = "...", local = true } keeps this agent's value whatever the repository says (secrets of the host, addresses only the node knows). `mcp validate` and `mcp plan` cannot know these values.
   */
  vars?: {
    [k: string]:
      | string
      | {
          /**
           * The variable's value.
           */
          value: string;
          /**
           * true: this agent's value wins over the repository's (default false).
           */
          local?: boolean;
        };
  };
  /**
   * The agent's own state: the registry (registry.db: inventory, events, the last healthy spec of each component), the bare clone of a git source (source.git) and the VMs (vms/). Made when missing; relative to this file. One agent per state directory: a second one refuses to start.
   */
  state_dir?: string;
  /**
   * Where desired state comes from: a git remote (url), or a local directory (path without url, watched). One of url and path is required.
   */
  source: {
    /**
     * The services repository over HTTP(S), e.g. https://git.example/ops/services.git.
     */
    url?: string;
    /**
     * The branch of url the agent follows; a force push is followed too.
     */
    branch?: string;
    /**
     * Without url: the local directory of services/, watched for changes. With url: where the agent keeps its bare clone of the remote (default <state_dir>/source.git).
     */
    path?: string;
    /**
     * Seconds between periodic passes.
     */
    interval?: number;
    /**
     * HTTP basic user for url; the password or token is in token_file.
     */
    username?: string;
    /**
     * File holding the HTTP password or access token; read on every fetch.
     */
    token_file?: string;
    /**
     * Only signed commits deploy: the tip of the branch (with require = "all", every commit since the last applied one too) must carry a valid signature by an allowed key, else the revision is rejected and the last good keeps running. Git sources only; a local directory is not verified.
     */
    verify?: {
      /**
       * ssh: SSH signatures (git's gpg.format = ssh) checked against allowed_signers; openpgp: gpg signatures checked against keyring.
       */
      mode: 'ssh' | 'openpgp';
      /**
       * For mode ssh, and required by it: a file in the format of git's gpg.ssh.allowedSignersFile (principals, optional namespaces="git", key). Read again for every new commit.
       */
      allowed_signers?: string;
      /**
       * For mode openpgp, and required by it: a file of armored OpenPGP public keys (gpg --armor --export). Read again for every new commit.
       */
      keyring?: string;
      /**
       * tip: the commit at the tip of the branch must be signed; all: every commit since the last applied one too.
       */
      require?: 'tip' | 'all';
    };
  };
  /**
   * Decrypting the services' secrets (secrets/<service>/<name>.age) on this node.
   */
  secrets?: {
    /**
     * This node's age identity (age-keygen -o FILE), mode 0600 or stricter, checked at start. Without it, a service that names a secret is refused and keeps its running version.
     */
    identity_file?: string;
    /**
     * Where file secrets are written for the containers that mount them: must be on a tmpfs (checked at start), so a plain text never reaches a disk.
     */
    runtime_dir?: string;
  };
  /**
   * The podman API the agent runs containers through.
   */
  podman?: {
    /**
     * Path of podman's API socket (podman system service). No service may mount it (see [admission]).
     */
    socket?: string;
    /**
     * Seconds an instance has to stop on its own before it is killed: a container after SIGTERM (podman's StopTimeout), a VM after its ACPI power-down.
     */
    stop_timeout?: number;
    /**
     * Seconds between full lists of podman's containers. In between the agent follows podman's event stream; a relist catches what a lost event missed.
     */
    relist_interval?: number;
  };
  /**
   * Image updates of components with pull = "newer".
   */
  images?: {
    /**
     * Seconds between asking the registry for the digest of each pull = "newer" image (also on mcp sync).
     */
    check_interval?: number;
    /**
     * Registries (host[:port]) reached over plain HTTP or unverified TLS, for the digest check and podman's pull (a loopback registry of tests).
     */
    insecure_registries?: string[];
  };
  /**
   * The agent's HTTP API (what `mcp` talks to) and its status page, served by `mcp-agent run`.
   */
  api?: {
    /**
     * host:port the API listens on. The default answers only on this machine; other machines need a reachable address, best with TLS (tls_cert, tls_key).
     */
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
    /**
     * Hex SHA-256 of a bearer token that may read GET /metrics and nothing else (for Prometheus' authorization.credentials_file); a read or operate token may read it too.
     */
    metrics_token?: string;
    /**
     * Bearer tokens that may call the API, each with a name and a role ([[api.tokens]] tables); only their SHA-256 is stored. Without any, only what needs no token answers: /v1/health, the status page's static files, the webhook (its own secret) and /metrics with metrics_token.
     */
    tokens?: {
      /**
       * Who the token belongs to: recorded with what it does (overrides, restarts, suspensions) and answered by /v1/whoami (`mcp login`).
       */
      name: string;
      /**
       * Hex SHA-256 of the token: printf %s "$TOKEN" | sha256sum. Two tokens with one digest are a configuration error.
       */
      sha256: string;
      /**
       * read: status, services, instances, events, plans, file pull, metrics; operate: all that, and passes (with override), file push, adopt, restart, suspend and resume.
       */
      role: 'read' | 'operate';
    }[];
  };
  /**
   * The isolated host-only bridge of the VMs, made once per host (deploy/bridge-up.sh). When it exists, a VM's first NIC is a TAP on it as an isolated port (VMs reach only the gateway, not each other); without it a VM has only QEMU's user-mode NIC for its ports and routes.
   */
  bridge?: {
    /**
     * The bridge's interface name.
     */
    name?: string;
    /**
     * IPv4 subnet (CIDR) of the VMs' addresses: each VM gets the lowest free host address, kept per instance name (<state_dir>/vms/addresses.json), on its kernel command line (mcp.ip=).
     */
    subnet?: string;
    /**
     * The bridge's own address: never given to a VM, passed to each guest as mcp.gw=.
     */
    gateway?: string;
  };
  /**
   * How unikernel VMs run.
   */
  qemu?: {
    /**
     * The QEMU executable: a name looked up in PATH, or a path.
     */
    binary?: string;
    /**
     * auto: when the first VM is about to be created, boot a tiny probe guest under KVM and use KVM only if it runs within probe_timeout, else TCG (an open /dev/kvm proves nothing); what the probe finds is kept in <state_dir>/vms/accel.json for the host boot (keyed by the kernel's boot id and QEMU's version), so a restarted agent does not probe again. kvm or tcg: that one, no probe.
     */
    accel?: 'auto' | 'kvm' | 'tcg';
    /**
     * The KVM device accel = auto probes (it must be readable and writable before a probe guest is booted).
     */
    kvm_device?: string;
    /**
     * Seconds the KVM probe guest has to print its line (accel = auto).
     */
    probe_timeout?: number;
    /**
     * Seconds a VM's guest has to write to its serial console; a silent one is killed and its create fails.
     */
    boot_timeout?: number;
  };
  /**
   * What a pass does on its own.
   */
  policy?: {
    /**
     * Repair drift (stopped, removed, altered containers).
     */
    heal?: boolean;
    /**
     * Remove containers of services no longer defined.
     */
    prune?: boolean;
    /**
     * How many actions (create, recreate, start, stop, remove) of one stage of a pass run at once.
     */
    concurrency?: number;
    /**
     * How many more times an action that failed transiently (a socket hiccup, a busy runtime) is tried, after 0.5 s, 1 s, 2 s, ...; 0: once only.
     */
    retries?: number;
  };
  /**
   * The admission policy: what a revision of the services repository may ask of this node. A revision whose services for this node break a rule is rejected whole, like an invalid one; only this file can widen a rule, never the repository. Sockets, devices, FIFOs and paths of /proc, /sys and /dev are never mounted, and neither are the podman socket, the agent's state directory or a directory holding them.
   */
  admission?: {
    /**
     * Volume sources must resolve (links followed, on this node) to one of these directories or below.
     */
    allowed_volume_roots?: string[];
    /**
     * Networks a component may name; 'host' (the node's own network stack) only when listed. A component without network uses podman's default network.
     */
    allowed_networks?: string[];
    /**
     * Addresses ports may be published on; a port without an address is published on all of them and needs '0.0.0.0' ('::' for [::]).
     */
    allowed_host_ips?: string[];
    /**
     * The range of host ports a component may publish (routes' ports are the agent's own).
     */
    host_ports?: {
      /**
       * The lowest host port a component may publish (e.g. 53 on a DNS node).
       */
      min?: number;
      /**
       * The highest host port a component may publish.
       */
      max?: number;
    };
    /**
     * Unikernel images (and a directory image's vmlinuz and initrd.img) must resolve to one of these directories or below.
     */
    allowed_image_roots?: string[];
    /**
     * Every container must name a numeric non-zero uid in user; without it, a container runs as its image's user, which may be root inside the container.
     */
    require_non_root?: boolean;
  };
  /**
   * Where the agent tells the operator, unasked, what needs them ([[notify]] tables): webhooks, chat rooms, and commit statuses on the git server.
   */
  notify?: {
    /**
     * webhook: a JSON POST to url (signed when secret_file is set); slack: a Slack-compatible incoming webhook at url (Mattermost and Rocket.Chat take it too); matrix: a message in room through homeserver's client API; gitea, forgejo, github: commit statuses (context mcp/<node>) on each new revision a pass applies.
     */
    kind: 'webhook' | 'slack' | 'matrix' | 'gitea' | 'forgejo' | 'github';
    /**
     * webhook and slack: where to POST.
     */
    url?: string;
    /**
     * webhook: a file holding the HMAC-SHA256 key; each POST then carries X-MCP-Signature-256: sha256=<hex of the body's HMAC>.
     */
    secret_file?: string;
    /**
     * matrix: the homeserver's base URL, e.g. https://matrix.example.
     */
    homeserver?: string;
    /**
     * matrix: the room id, e.g. !abc:matrix.example.
     */
    room?: string;
    /**
     * matrix: a file holding the access token of the account that posts.
     */
    access_token_file?: string;
    /**
     * gitea, forgejo, github: the API's base URL, e.g. https://git.example/api/v1 or https://api.github.com.
     */
    api_url?: string;
    /**
     * gitea, forgejo, github: a file holding an API token allowed to post statuses.
     */
    token_file?: string;
    /**
     * gitea, forgejo, github: owner/name of the services repository (default: from source.url).
     */
    repository?: string;
    /**
     * Only these kinds of notification (default: all).
     */
    events?: (
      | 'rollback'
      | 'crash-loop'
      | 'rejected-revision'
      | 'failed-pass'
      | 'held-removal'
      | 'drift-healed'
      | 'drift-unhealed'
      | 'converged-after-degraded'
    )[];
    /**
     * Only notifications about these services (node-wide ones, such as a failed pass, are then left out).
     */
    services?: string[];
    /**
     * Seconds after which an unchanged condition is sent again; a changed one is sent at once.
     */
    repeat_after?: number;
  }[];
  /**
   * The agent's log, on stderr.
   */
  log?: {
    /**
     * The lowest level logged.
     */
    level?: 'error' | 'warn' | 'info' | 'debug';
    /**
     * json: one JSON object per line (journald, collectors); text: one readable line per event, coloured unless NO_COLOR; auto: text when stderr is a terminal, else json.
     */
    format?: 'json' | 'text' | 'auto';
  };
}
