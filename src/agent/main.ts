#!/usr/bin/env -S MALLOC_ARENA_MAX=1 node --max-semi-space-size=1 --liftoff-only
/**
 * The `mcp-agent` executable: `run` keeps the node converged (on its interval, when a managed
 * container dies or vanishes, when a file of a local source changes; one pass at a time);
 * `reconcile --once` converges once (a pass, and more while health settles) and exits with the result.
 * The shebang caps V8's young generation at 1 MB per semi-space: the agent allocates in
 * short bursts (TOML, podman's JSON) and would otherwise keep ~30 MB of nursery resident.
 * --liftoff-only keeps sql.js's WebAssembly on V8's baseline compiler: optimising SQLite's
 * hot functions in the background took 15-35 MB at its peak and more CPU than it saved (a
 * running agent's 30 no-op passes at N = 200: 2.2-2.4 s CPU and 119-123 MB peak RSS without,
 * 1.5 s and 84-85 MB with).
 * MALLOC_ARENA_MAX=1 keeps glibc's malloc to one arena: node's helper threads (V8's platform
 * workers, libuv's pool, the loader thread) each got an arena of their own, 6 MB resident in
 * all for an idle agent. glibc reads it at start; it is taken out of the environment at once,
 * so the QEMUs the agent starts get the default.
 */
import { parseArgs } from 'node:util';
import { exitCodeOf } from '../domain/error-table.js';
import { asMcpError, McpError } from '../domain/errors.js';
import { createLogger } from '../log.js';
import { loadAgentConfig } from '../validate/agent-config.js';
import { packageVersion } from '../version.js';
import { guardProcess } from './guard.js';
import { INIT_USAGE, init } from './init.js';
import { settle } from './loop.js';
import { wireAgent } from './runtime-wiring.js';

delete process.env.MALLOC_ARENA_MAX;

const USAGE = `usage: mcp-agent run --config FILE
       mcp-agent reconcile --once --config FILE [--override] [--json]
       mcp-agent init --node NAME --source URL [--config FILE] [--state-dir DIR] [--socket PATH]
       mcp-agent --version

  run          reconcile on an interval and whenever a managed container dies or vanishes
  reconcile    converge once, then exit: a pass, and more while probed instances start, dependents
               wait for their health, or a rollout or back-off is still to be judged;
               0 converged, 1 degraded (something is wrong: failed, unhealthy past its
               start_timeout, crash-looping, rolled back, rejected), 2 failed; it waits while a
               pass is progressing, so 3 (progressing) is never its answer
  init         write a starting config, tokens and state directory for a new node
               (mcp-agent init --help)
  --override   allow a revision that removes most of this node's services
  --json       print the pass report as JSON`;

/** Exit codes of a pass; errors before or around it use the codes of `mcp help exit-codes`. */
const EXIT = { converged: 0, degraded: 1, failed: 2, progressing: 3 } as const;

const OPTIONS = {
  config: { type: 'string', short: 'c' },
  once: { type: 'boolean' },
  override: { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'V' },
} as const;

const parse = (argv: string[]) => {
  try {
    return parseArgs({ args: argv, allowPositionals: true, options: OPTIONS });
  } catch (err) {
    throw new McpError('USAGE', (err as Error).message.split('\n')[0]);
  }
};

const main = async (argv: string[]): Promise<number> => {
  if (argv[0] === 'init') {
    if (argv.includes('--help') || argv.includes('-h')) {
      console.log(INIT_USAGE);
      return 0;
    }
    return init(argv.slice(1), (line) => console.log(line));
  }
  const { values, positionals } = parse(argv);
  const [command] = positionals;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (values.version) {
    console.log(`mcp-agent ${packageVersion()}`);
    return 0;
  }
  if (
    !values.config ||
    (command !== 'run' && command !== 'reconcile') ||
    (command === 'reconcile' && !values.once)
  ) {
    throw new McpError('USAGE', 'expected `run` or `reconcile --once`, and --config FILE');
  }
  const config = await loadAgentConfig(values.config);
  const log = createLogger(config.log.level, 'agent', config.log.format);
  // The daemon's parts (API, metrics, notifications, file watcher) only for `run`: a one-shot
  // would spend a fifth of its start-up loading them.
  const daemon = command === 'run' ? await import('./daemon.js') : undefined;
  if (daemon) await daemon.checkApiFiles(config);
  const stop = stopSignal();
  const agent = await wireAgent(config, log, command === 'run' ? 'thread' : 'process', stop);
  const options = { ...agent.options, override: values.override === true };
  if (command === 'reconcile') {
    const report = await Promise.race([settle(agent.deps, options, log), once(stop)]).catch(async (err) => {
      await agent.close();
      throw err;
    });
    if (report === undefined) {
      // Stopped mid-pass: what the agent made (a probe's QEMU and directory) goes, then so does it.
      await agent.deps.runtimes.unikernel.close();
      process.exit(EXIT_STOPPED);
    }
    await agent.close();
    if (values.json) console.log(JSON.stringify(report, null, 2));
    return EXIT[report.status.result];
  }
  guardProcess(log);
  await daemon!.runDaemon(config, agent, options, log, stop);
  return EXIT.converged;
};

/** 128 + SIGTERM, as a shell reports a process the signal ended. */
const EXIT_STOPPED = 143;

/**
 * SIGTERM and SIGINT from the first moment, before the agent is even wired: a stop during
 * start-up still cleans up what the agent made (its accelerator probe), instead of the
 * default action killing the process on the spot.
 */
const stopSignal = (): AbortSignal => {
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  return controller.signal;
};

/** Resolves (to undefined) once `signal` aborts. */
const once = (signal: AbortSignal): Promise<undefined> =>
  new Promise((resolve) => {
    if (signal.aborted) resolve(undefined);
    else signal.addEventListener('abort', () => resolve(undefined), { once: true });
  });

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    const error = asMcpError(err);
    console.error(`mcp-agent: ${error.code === 'INTERNAL' ? 'internal error: ' : ''}${error.message}`);
    if (typeof error.data.hint === 'string') console.error(`hint: ${error.data.hint}`);
    if (error.code === 'USAGE')
      console.error(`\n${typeof error.data.usage === 'string' ? error.data.usage : USAGE}`);
    if (process.env.MCP_DEBUG === '1') console.error(err);
    process.exitCode = exitCodeOf(error.code);
  },
);
