/* Generated from schema/ by `npm run gen` (json-schema-to-typescript). Do not edit. */

/**
 * The operator's ~/.config/mcp/mcp.toml.
 */
export interface CliConfig {
  /**
   * The services repository: its local clone (what `list`, `plan`, `deploy`, `stop`, `start`, `adopt`, `push`, `pull` and the `service` and `secret` commands use when --repo is not given) and where commits are pushed.
   */
  services?: {
    /**
     * Local clone of the services repository: what the commands use when --repo is not given (without it, the current directory).
     */
    dir?: string;
    /**
     * Git remote URL of the services repository, where commits are pushed (default: the clone's origin).
     */
    remote?: string;
    /**
     * The branch commits go on and are pushed to.
     */
    branch?: string;
    /**
     * HTTP user for pushing to the remote.
     */
    username?: string;
    /**
     * File holding the HTTP password or access token for pushing to the remote; without it, $MCP_GIT_TOKEN.
     */
    token_path?: string;
    /**
     * Name recorded on the commits of deploy, stop and start, instead of git's user.name (GIT_AUTHOR_NAME still wins).
     */
    author_name?: string;
    /**
     * E-mail address recorded on those commits, instead of git's user.email (GIT_AUTHOR_EMAIL still wins).
     */
    author_email?: string;
  };
  /**
   * The API token the commands send to the agents.
   */
  auth?: {
    /**
     * File holding the API token. `mcp login` writes it (mode 0600; when this key is unset, to the file token beside mcp.toml, and adds the key). $MCP_TOKEN wins over it.
     */
    token_path?: string;
  };
  /**
   * The nodes whose agents the commands ask ([[nodes]] tables; `mcp node add` and `remove` edit them).
   */
  nodes?: {
    /**
     * The node's name, as its agent's `node` and the service files' `node` say it.
     */
    name: string;
    /**
     * Where the node's agent API answers: host:port (plain HTTP), or a URL such as https://host:port for an agent serving TLS (NODE_EXTRA_CA_CERTS for a private CA).
     */
    address: string;
  }[];
}
