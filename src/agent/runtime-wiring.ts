/**
 * Builds the agent's parts from its configuration: registry, runtime, source, logger. The
 * one place that knows which adapter stands behind which port.
 */
import { join } from 'node:path';
import { dirSource } from '../adapters/dir/source.js';
import type { CommitVerifier } from '../adapters/git/verify.js';
import { hostPortProbe } from '../adapters/net/port-probe.js';
import type { Log as PodmanLog } from '../adapters/podman/log.js';
import { createPodmanRuntime } from '../adapters/podman/runtime.js';
import { createQemuRuntime, type QemuRuntime } from '../adapters/qemu/runtime.js';
import { openRegistry, type SqlRegistry } from '../adapters/sqljs/registry.js';
import { McpError } from '../domain/errors.js';
import { createLogger, type Logger } from '../log.js';
import { admitter } from '../policy/admit.js';
import type { InstanceRuntime } from '../ports/instance-runtime.js';
import type { RevisionLoader } from '../ports/revision-loader.js';
import type { RevisionSource } from '../ports/revision-source.js';
import { admissionPolicy, type ResolvedAgentConfig } from '../validate/agent-config.js';
import { ActivityRecord } from './activity.js';
import type { ApplyOptions } from './apply.js';
import { lockStateDir } from './lock.js';
import { OverrideLatch } from './override.js';
import { recheckComponent, recheckRevision } from './recheck.js';
import type { PassDeps } from './reconcile.js';
import { type LoaderSettings, settledLoader, workerLoader } from './revision-loader.js';
import { coreDumpWarning, openSecrets } from './secrets/index.js';
import { prepareStateDir } from './state-dir.js';

/**
 * The running agent's loader. Its thread boots now, while podman lists and the registry opens,
 * not in the first pass, and again whenever a load is likely (`warm`); for a directory source
 * (`dir`) only while its files are too large to load in process.
 */
const threadLoader = (settings: LoaderSettings, dir: string | undefined) => {
  const loader = workerLoader(settings);
  const ready = { ...loader, warm: () => loader.warm(dir) };
  ready.warm();
  return ready;
};

export interface Agent {
  deps: PassDeps & {
    store: SqlRegistry;
    overrides: OverrideLatch;
    runtimes: { container: InstanceRuntime; unikernel: QemuRuntime };
  };
  options: ApplyOptions;
  /** What each pass is doing to each instance right now; the apply sets it through `deps.progress`. */
  activity: ActivityRecord;
  /** How this agent loads a revision (format, limits, admission), also for planning posted files. */
  loader: RevisionLoader;
  close(): Promise<void>;
}

/**
 * Where revisions are loaded: `thread` for the running agent (its API answers during a long
 * load), `process` for a one-shot (no API; a second isolate would cost 20 MB and 0.2 s).
 */
export type LoadIn = 'thread' | 'process';

/** `stop`: the agent is stopping; a running accelerator probe is cut short (the VM waiting for it is not created). */
export const wireAgent = async (
  config: ResolvedAgentConfig,
  log: Logger = createLogger(config.log.level, 'agent', config.log.format),
  loadIn: LoadIn = 'thread',
  stop?: AbortSignal,
): Promise<Agent> => {
  const verifier = await verifierFor(config);
  const secrets = await openSecrets(config.secrets);
  const core = config.secrets?.identity_file ? await coreDumpWarning() : undefined;
  if (core) log.warn(core);
  await prepareStateDir(config.state_dir);
  const unlock = await lockStateDir(config.state_dir);
  // Admission protects what controls this node: the runtime's socket and the agent's own state.
  const admission = {
    policy: admissionPolicy(config),
    node: config.node,
    protectedPaths: [config.podman.socket, config.state_dir],
  };
  const admit = admitter(admission.policy, admission);
  const settings = { ...admission, vars: config.vars };
  const loader =
    loadIn === 'thread'
      ? threadLoader(settings, config.source.url ? undefined : config.source.path)
      : { ...settledLoader(settings), close: async () => {} };
  // Podman's runtime first, so its first list overlaps the registry open and the first pass's
  // revision load (that pass's observe waits for it). What it says is held until the wiring
  // succeeded: a registry that cannot be opened stays the one line of a failed start.
  const held: Parameters<PodmanLog>[] = [];
  let podmanSays: PodmanLog = (...line) => held.push(line);
  const container = await createPodmanRuntime(
    {
      socketPath: config.podman.socket,
      relistIntervalMs: config.podman.relist_interval * 1000,
      stopTimeoutSeconds: config.podman.stop_timeout,
      insecureRegistries: config.images.insecure_registries,
      onLog: (...line) => podmanSays(...line),
    },
    { wait: false },
  );
  // A step that fails closes what is open before it, or the process would not exit.
  let store: SqlRegistry | undefined;
  let unikernel: QemuRuntime | undefined;
  let source: RevisionSource;
  /** Closes what the wiring opened; `flush`: the registry's pending writes first (a stop, not a failed start). */
  const closeOpened = async (flush: boolean) => {
    await loader.close();
    await container.close();
    await unikernel?.close();
    if (flush) await store?.flush();
    store?.close();
    await unlock();
  };
  try {
    store = await openRegistry(join(config.state_dir, 'registry.db'), (origin) => {
      if (origin.kind === 'new') log.info('registry created', { stateDir: config.state_dir });
      if (origin.kind === 'reset')
        log.warn('registry file was empty: starting from nothing', { keptAs: origin.keptAs });
    });
    unikernel = await createQemuRuntime({
      dir: join(config.state_dir, 'vms'),
      bridge: config.bridge,
      qemu: config.qemu.binary,
      accel: config.qemu.accel,
      probeTimeoutMs: config.qemu.probe_timeout * 1000,
      kvmDevice: config.qemu.kvm_device,
      bootTimeoutMs: config.qemu.boot_timeout * 1000,
      signal: stop,
      onDecided: (choice) => log.info('qemu accelerator chosen', { ...choice }),
    });
    source = await sourceFor(
      config,
      loader,
      verifier && { verifier, since: () => store?.applied()?.commit ?? undefined },
    );
  } catch (err) {
    await closeOpened(false);
    throw err;
  }
  podmanSays = (level, message, meta) => log[level](message, meta);
  for (const line of held.splice(0)) podmanSays(...line);
  const options: ApplyOptions = {
    concurrency: config.policy.concurrency,
    retry: { retries: config.policy.retries, delayMs: 500 },
    stopTimeoutSeconds: config.podman.stop_timeout,
    heal: config.policy.heal,
    prune: config.policy.prune,
    override: false,
  };
  const activity = new ActivityRecord();
  return {
    deps: {
      node: config.node,
      source,
      runtimes: { container, unikernel },
      store,
      log,
      lastOutcome: new Map(),
      ports: hostPortProbe,
      overrides: new OverrideLatch(),
      progress: activity.set,
      recheck: (revision) => recheckRevision(admit, revision),
      admitCreate: (spec) => recheckComponent(admit, config.node, spec),
      secrets,
    },
    options,
    activity,
    loader,
    close: () => closeOpened(true),
  };
};

/**
 * A git remote (kept as a bare clone in `path`, default `<state_dir>/source.git`), or a local
 * directory. The git adapter (isomorphic-git) is loaded only for a remote.
 */
const sourceFor = async (
  config: ResolvedAgentConfig,
  loader: RevisionLoader,
  verify?: { verifier: CommitVerifier; since: () => string | undefined },
): Promise<RevisionSource> => {
  const { url, path, branch, username, token_file } = config.source;
  if (!url) return dirSource(path!, loader);
  const { gitSource } = await import('../adapters/git/source.js');
  return gitSource({
    url,
    branch: branch ?? 'main',
    gitdir: path ?? join(config.state_dir, 'source.git'),
    username,
    tokenFile: token_file,
    loader,
    verify,
  });
};

/** The signature check of [source.verify], its keys read once now: a file that is wrong stops start-up. */
const verifierFor = async (config: ResolvedAgentConfig): Promise<CommitVerifier | undefined> => {
  const verify = config.source.verify;
  if (!verify) return undefined;
  const { commitVerifier } = await import('../adapters/git/verify.js');
  const verifier = commitVerifier({
    mode: verify.mode,
    allowedSigners: verify.allowed_signers,
    keyring: verify.keyring,
    require: verify.require ?? 'tip',
  });
  await verifier.load().catch((err: Error) => {
    throw new McpError('INVALID_CONFIG', `source.verify: ${err.message}`);
  });
  return verifier;
};

/** How this node trusts its desired state, one phrase for status. */
export const trustOf = (config: ResolvedAgentConfig): string => {
  const verify = config.source.verify;
  if (!config.source.url) return 'not verified: a local directory';
  if (!verify) return 'any commit: source.verify is off';
  return `signed commits only (${verify.mode}, ${verify.require ?? 'tip'})`;
};
