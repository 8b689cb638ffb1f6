/**
 * `mcp-agent init`: everything a fresh node needs before `mcp-agent run`, in one command. It
 * writes a starting config (mode 0600) and a webhook secret beside it, makes two API tokens
 * (shown once, stored hashed), makes the state directory, asks podman's socket whether it
 * answers (a socket that does not is reported with what to do, not a failure) and prints the
 * next steps. It never overwrites: an existing config or secret refuses the whole init.
 */
import { randomBytes } from 'node:crypto';
import { chmod, lstat, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { askPodman } from '../adapters/podman/index.js';
import { McpError } from '../domain/errors.js';
import { parseAgentConfig } from '../validate/agent-config.js';
import { tokenDigest } from './api/auth.js';
import { type InitSettings, type InitToken, initConfigText } from './init-config.js';
import { ensureDir, prepareStateDir } from './state-dir.js';

export const INIT_USAGE = `usage: mcp-agent init --node NAME --source URL [--branch B] [--config FILE] [--state-dir DIR]
                      [--socket PATH] [--listen HOST:PORT] [--operate-sha256 HEX] [--read-sha256 HEX]

  Writes a starting config for node NAME following the git repository URL (mode 0600; default
  /etc/mcp/mcp-agent.toml) and a webhook secret beside it, makes an operate and a read API
  token (printed once; the config keeps only their SHA-256), makes the state directory
  (default /var/lib/mcp), checks that podman's socket (default /run/podman/podman.sock)
  answers, and prints the next steps. Refuses to overwrite an existing config.

  --operate-sha256, --read-sha256  keep a token you already have for that role (the SHA-256
               of it, as in another node's config: printf %s "$TOKEN" | sha256sum) instead
               of making a new one, so one mcp login reaches every node`;

const OPTIONS = {
  node: { type: 'string' },
  source: { type: 'string' },
  branch: { type: 'string', default: 'main' },
  config: { type: 'string', short: 'c', default: '/etc/mcp/mcp-agent.toml' },
  'state-dir': { type: 'string', default: '/var/lib/mcp' },
  socket: { type: 'string', default: '/run/podman/podman.sock' },
  listen: { type: 'string', default: '127.0.0.1:7410' },
  'operate-sha256': { type: 'string' },
  'read-sha256': { type: 'string' },
} as const;

const parse = (argv: string[]) => {
  try {
    return parseArgs({ args: argv, options: OPTIONS }).values;
  } catch (err) {
    throw new McpError('USAGE', (err as Error).message.split('\n')[0], { usage: INIT_USAGE });
  }
};

/** A fresh token: 32 random bytes as hex, safe to paste into any shell or header. */
const newToken = (): string => randomBytes(32).toString('hex');

/** The token of `role`: the digest given for it, else a new token. */
const tokenFor = (role: 'operate' | 'read', name: string, digest: string | undefined): InitToken => {
  if (digest === undefined) {
    const token = newToken();
    return { name, role, sha256: tokenDigest(token), token };
  }
  if (!/^[0-9a-f]{64}$/.test(digest))
    throw new McpError('USAGE', `--${role}-sha256 takes the 64 lowercase hex digits of a SHA-256`, {
      usage: INIT_USAGE,
    });
  return { name, role, sha256: digest };
};

const WHAT: Record<InitToken['role'], string> = {
  operate: 'deploy, sync, restart, suspend, file push',
  read: 'status, ps, events, the status page',
};

const exists = (path: string): Promise<boolean> =>
  lstat(path).then(
    () => true,
    () => false,
  );

/** CONFLICT when any file init would write is already there: nothing has been changed. */
const refuseExisting = async (paths: string[]): Promise<void> => {
  for (const path of paths)
    if (await exists(path))
      throw new McpError('CONFLICT', `${path} exists: mcp-agent init never overwrites, nothing was changed`, {
        path,
        hint: 'keep the agent as it is, or remove that file (or give --config another path) and run init again',
      });
};

/** Writes a new file only (never over an existing one), mode 0600 whatever the umask. */
const writeNew = async (path: string, text: string): Promise<void> => {
  await writeFile(path, text, { flag: 'wx', mode: 0o600 });
  await chmod(path, 0o600);
};

/** Where a workstation reaches the API: the listen address, with a wildcard host named. */
const reachAt = (listen: string): string => listen.replace(/^(0\.0\.0\.0|\[::\]):/, `${hostname()}:`);

/** Runs `mcp-agent init ARGS`, writing what it did to `out`; the exit code. */
export const init = async (argv: string[], out: (line: string) => void): Promise<number> => {
  const values = parse(argv);
  if (!values.node || !values.source)
    throw new McpError('USAGE', 'mcp-agent init needs --node NAME and --source URL', { usage: INIT_USAGE });
  const config = resolve(values.config);
  const settings: InitSettings = {
    node: values.node,
    source: values.source,
    branch: values.branch,
    stateDir: resolve(values['state-dir']),
    socket: resolve(values.socket),
    listen: values.listen,
    webhookSecretFile: join(dirname(config), 'webhook.secret'),
  };
  await refuseExisting([config, settings.webhookSecretFile]);
  const tokens = [
    tokenFor('operate', 'operator', values['operate-sha256']),
    tokenFor('read', 'reader', values['read-sha256']),
  ];
  const text = initConfigText(settings, tokens);
  parseAgentConfig(config, text);

  const stateDirExisted = await exists(settings.stateDir);
  await prepareStateDir(settings.stateDir);
  await ensureDir(dirname(config), '--config');
  await writeNew(settings.webhookSecretFile, `${newToken()}\n`);
  await writeNew(config, text).catch(async (err) => {
    await rm(settings.webhookSecretFile, { force: true });
    throw err;
  });
  out(
    `wrote ${config} (mode 0600): node ${settings.node}, source ${settings.source} (branch ${settings.branch})`,
  );
  out(`wrote ${settings.webhookSecretFile} (mode 0600): the secret git webhooks are signed with`);
  out(`state directory ${settings.stateDir}: ${stateDirExisted ? 'exists, kept' : 'created'}`);
  const podman = await askPodman(settings.socket);
  if (podman.ok) out(`podman socket ${settings.socket}: answers (podman ${podman.version})`);
  else {
    out(`podman socket ${settings.socket}: does not answer (${podman.reason})`);
    out(
      `  the agent needs it: systemctl enable --now podman.socket, or give --socket PATH (the config's [podman] socket)`,
    );
  }
  out('');
  const made = tokens.filter((t) => t.token !== undefined);
  if (made.length) out('API tokens, shown this once (the config keeps only their SHA-256):');
  for (const t of made) out(`  ${t.role.padEnd(7)}  ${t.token}  (name ${t.name}: ${WHAT[t.role]})`);
  for (const t of tokens.filter((x) => x.token === undefined))
    out(`API token ${t.name} (${t.role}): the one whose SHA-256 you gave`);
  out('');
  out('Next steps:');
  let step = 1;
  if (!podman.ok) out(`  ${step++}. Make podman's API answer on ${settings.socket} (see above).`);
  out(`  ${step++}. Start the agent (on a real node: systemctl start mcp-agent, deploy/mcp-agent.service):`);
  out(`       mcp-agent run --config ${config}`);
  out(`  ${step++}. On your workstation, add the node and log in with the operate token:`);
  out(`       mcp node add ${settings.node} ${reachAt(settings.listen)}`);
  out(`       mcp login ${settings.node}`);
  out(
    `  ${step++}. Have your git server send push webhooks to http://${reachAt(settings.listen)}/v1/webhook`,
  );
  out(`     with the secret in ${settings.webhookSecretFile}, so a push is applied at once.`);
  return 0;
};
