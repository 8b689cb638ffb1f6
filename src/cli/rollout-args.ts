/** The command line shared by `mcp deploy`, `stop` and `start`. */
import { McpError } from '../domain/errors.js';
import { type ParsedArgs, parseCommandArgs } from './args.js';
import { loadCliConfigFor } from './config.js';
import type { CommandModule } from './context.js';
import { type RolloutOptions, rollout } from './rollout.js';
import { setActive } from './toml-edit.js';

export const ROLLOUT_OPTIONS = {
  config: { type: 'string', short: 'c' },
  repo: { type: 'string' },
  message: { type: 'string', short: 'm' },
  'no-wait': { type: 'boolean', default: false },
  timeout: { type: 'string', default: '300' },
  policy: { type: 'string' },
  'no-policy': { type: 'boolean', default: false },
} as const;

export const ROLLOUT_HELP = `  --repo DIR      the services clone (default: services.dir of mcp.toml, else .)
  --message TEXT  the commit message (default: "<command> <services>")
  --no-wait       return once pushed
  --timeout S     how long to wait for the nodes (default 300)
  --config FILE   mcp.toml (default: $MCP_CONFIG, else ~/.config/mcp/mcp.toml)
  --policy FILE   check the clone against FILE's admission policy (an agent config or an
                  [admission] table) instead of the default one every agent has
  --no-policy     check the clone against the schema alone

Pushing uses services.remote (default: the clone's origin), services.username and the
token in services.token_path (or $MCP_GIT_TOKEN); waiting asks the agents with the API
token (auth.token_path or $MCP_TOKEN), and nudges them with a reconcile when it may.
It waits until every component with a health probe is healthy, not only running; on a
terminal it prints a line per component as its state or health changes.
exit codes: 0 every node converged (healthy) at the pushed commit, 4 a node did not (in
time), or rolled a component back to its last healthy spec (named in the output),
1 the clone is invalid or breaks the admission policy (nothing committed), 3 the remote has commits the clone lacks,
69 the remote cannot be reached, 66 unknown service, 64 bad usage.`;

export const rolloutOptions = (parsed: ParsedArgs, verb: string): Omit<RolloutOptions, 'edit'> => {
  const timeout = Number(parsed.values.timeout);
  if (!Number.isInteger(timeout) || timeout < 1)
    throw new McpError('USAGE', `--timeout must be a whole number of seconds, not ${parsed.values.timeout}`);
  return {
    repo: parsed.values.repo as string | undefined,
    services: parsed.positionals,
    verb,
    message: parsed.values.message as string | undefined,
    wait: parsed.values['no-wait'] !== true,
    timeoutSeconds: timeout,
    ...(typeof parsed.values.policy === 'string' && { policy: parsed.values.policy }),
    ...(parsed.values['no-policy'] === true && { noPolicy: true }),
  };
};

/** `mcp stop` (active = false) and `mcp start` (active = true): one command, two verbs. */
export const activeCommand = (verb: 'stop' | 'start'): CommandModule => {
  const active = verb === 'start';
  const help = `usage: mcp ${verb} SERVICE... [--repo DIR] [--message TEXT] [--no-wait] [--timeout S] [--config FILE]

Sets active = ${active} in the files of the named services (the service stays defined;
its agent ${active ? 'starts its instances again' : 'stops its instances'}), commits, pushes, and waits until
each of their nodes reports that commit applied.

${ROLLOUT_HELP}`;
  return {
    help,
    async run(args, ctx) {
      const parsed = parseCommandArgs(args, ROLLOUT_OPTIONS, help, { min: 1 });
      const config = await loadCliConfigFor(ctx, parsed.values.config);
      return rollout(ctx, config, {
        ...rolloutOptions(parsed, verb),
        edit: (text, file) => setActive(text, active, file),
      });
    },
  };
};
