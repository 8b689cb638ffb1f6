/* Generated from schema/ by `npm run gen` (json-schema-to-typescript). Do not edit. */

/**
 * The operator's ~/.config/mcp/mcp.toml.
 */
export interface CliConfig {
  services?: {
    /**
     * Local clone of the services repository.
     */
    dir?: string;
    /**
     * Git remote URL of the services repository.
     */
    remote?: string;
    branch?: string;
    /**
     * HTTP user for pushing to the remote.
     */
    username?: string;
    /**
     * File holding the HTTP password or access token for pushing to the remote.
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
  auth?: {
    token_path?: string;
  };
  nodes?: {
    name: string;
    address: string;
  }[];
}
