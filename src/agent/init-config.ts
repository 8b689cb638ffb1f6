/**
 * The text of the starting mcp-agent.toml that `mcp-agent init` writes: the node, its git
 * source, podman's socket, the API with a webhook secret file, and two tokens kept only as
 * their SHA-256. Strings are written as JSON strings, which are TOML basic strings too.
 */
import { tokenDigest } from './api/auth.js';

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

/** The two tokens init makes, as given to the operator (never written down). */
export interface InitTokens {
  operate: string;
  read: string;
}

const str = (value: string): string => JSON.stringify(value);

/** The config file's text: valid against schema/agent.schema.json, defaults left to the schema. */
export const initConfigText = (s: InitSettings, tokens: InitTokens): string =>
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
    '[[api.tokens]]',
    'name = "operator"',
    `sha256 = ${str(tokenDigest(tokens.operate))}`,
    'role = "operate"',
    '',
    '[[api.tokens]]',
    'name = "reader"',
    `sha256 = ${str(tokenDigest(tokens.read))}`,
    'role = "read"',
    '',
  ].join('\n');
