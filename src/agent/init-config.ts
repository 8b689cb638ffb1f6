/**
 * The text of the starting mcp-agent.toml that `mcp-agent init` writes: the node, its git
 * source, podman's socket, the API with a webhook secret file, and two tokens kept only as
 * their SHA-256. Strings are written as JSON strings, which are TOML basic strings too.
 */
/** What `mcp-agent init` was told, every path absolute. */
export interface InitSettings {
  node: string;
  source: string;
  branch: string;
  stateDir: string;
  socket: string;
  listen: string;
  webhookSecretFile: string;
}

/** An API token of the new config: its digest, and the token itself when init made it (never written down). */
export interface InitToken {
  name: string;
  role: 'operate' | 'read';
  sha256: string;
  token?: string;
}

const str = (value: string): string => JSON.stringify(value);

/** The config file's text: valid against schema/agent.schema.json, defaults left to the schema. */
export const initConfigText = (s: InitSettings, tokens: readonly InitToken[]): string =>
  [
    `# The agent of node ${s.node}, written by mcp-agent init. Every key: docs/reference/agent-config.md`,
    `node = ${str(s.node)}`,
    `state_dir = ${str(s.stateDir)}`,
    '',
    '[source]',
    `url = ${str(s.source)}`,
    `branch = ${str(s.branch)}`,
    'interval = 60                   # seconds between passes; a webhook or mcp sync starts one at once',
    '',
    '[podman]',
    `socket = ${str(s.socket)}`,
    '',
    '[api]',
    `listen = ${str(s.listen)}`,
    `webhook_secret_file = ${str(s.webhookSecretFile)}`,
    '',
    '# Only the SHA-256 of each token is kept here: printf %s "$TOKEN" | sha256sum',
    ...tokens.flatMap((t) => [
      '[[api.tokens]]',
      `name = ${str(t.name)}`,
      `sha256 = ${str(t.sha256)}`,
      `role = ${str(t.role)}`,
      '',
    ]),
  ]
    .join('\n')
    .replace(/\n+$/, '\n');
