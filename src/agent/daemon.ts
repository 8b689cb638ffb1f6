/**
 * `mcp-agent run`: passes on the interval, when a managed container dies or vanishes, when a
 * file of a local source changes, and when the API or a git server's webhook asks; one pass at
 * a time. Returns once `stop` aborts (SIGTERM or SIGINT), after the running pass has finished.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { registryClient } from '../adapters/registry/digest.js';
import { McpError } from '../domain/errors.js';
import type { Logger } from '../log.js';
import type { ResolvedAgentConfig } from '../validate/agent-config.js';
import { Adoptions } from './adoptions.js';
import { checkWebhookSecret } from './api/auth.js';
import { type ApiServer, startApi } from './api/server.js';
import { loadTls } from './api/tls.js';
import type { ApplyOptions } from './apply.js';
import { retryJob } from './jobs/index.js';
import { planPosted } from './live-plan.js';
import { type Loop, type LoopOptions, startLoop } from './loop.js';
import { createMetrics, type Metrics } from './metrics/index.js';
import { createNotifier, type Notifier, readSinks } from './notify/index.js';
import { type Agent, trustOf } from './runtime-wiring.js';

const readSecret = async (path: string): Promise<string> => {
  const secret = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new McpError(
      'INVALID_CONFIG',
      `cannot read api.webhook_secret_file ${path} (${err.code}): point it at a file holding the secret`,
      { path },
    );
  });
  checkWebhookSecret(secret.trim(), `api.webhook_secret_file ${path}`);
  return secret.trim();
};

/**
 * The files the API needs (certificate, key, webhook secret), read and checked before the
 * agent takes its lock or opens its registry: a mistake there stops start-up at once.
 */
export const checkApiFiles = async (config: ResolvedAgentConfig): Promise<void> => {
  const { api } = config;
  if (api.tls_cert && api.tls_key) await loadTls(api.tls_cert, api.tls_key);
  if (api.webhook_secret_file) await readSecret(api.webhook_secret_file);
};

const serveApi = async (
  config: ResolvedAgentConfig,
  agent: Agent,
  loop: Loop,
  adoptions: Adoptions,
  metrics: Metrics,
  log: Logger,
): Promise<ApiServer> => {
  const { api } = config;
  const { scheduler, board } = loop;
  return startApi(
    {
      node: config.node,
      source: agent.deps.source.description,
      trust: trustOf(config),
      branch: config.source.url ? config.source.branch : undefined,
      store: agent.deps.store,
      runtimes: [agent.deps.runtimes.container, agent.deps.runtimes.unikernel],
      trigger: (reason) => scheduler.trigger(reason),
      warm: () => agent.loader.warm?.(),
      checkImages: () => loop.images.check(),
      nextPass: () => scheduler.nextAt(),
      adopt: (names) => {
        const results = adoptions.request(names);
        void scheduler.trigger(`adopt ${names.join(' ')}`);
        return results;
      },
      retry: (name) => board.retry(name) || retryJob(agent.deps.store, name),
      filesRoot: api.files_root,
      accelerator: () => agent.deps.runtimes.unikernel.acceleratorNow(),
      stopTimeoutSeconds: config.podman.stop_timeout,
      planFiles: (request) => planPosted(agent.deps, agent.loader, request),
      overrides: agent.deps.overrides,
      activity: agent.activity.get,
      progress: agent.activity.set,
      metrics: async () => ({ contentType: metrics.contentType, text: await metrics.text() }),
    },
    {
      listen: api.listen,
      tlsCert: api.tls_cert,
      tlsKey: api.tls_key,
      tokens: api.tokens ?? [],
      metricsToken: api.metrics_token,
      webhookSecret: api.webhook_secret_file ? await readSecret(api.webhook_secret_file) : undefined,
    },
    log,
  );
};

/** The daemon's passes and what listens to them: the loop, the notifications, the metrics. */
export interface AgentLoop {
  loop: Loop;
  adoptions: Adoptions;
  notifier: Notifier;
  metrics: Metrics;
  /** Stops the loop (waiting for a running pass) and the listeners. */
  stop(): Promise<void>;
}

/**
 * Everything the daemon runs per pass, without its API: the loop (health board, prober,
 * runtime events), the store's listeners (notifications, metrics) and a directory source's
 * watch. The converge benchmark starts the same, so what it times is what the daemon does.
 */
export const startAgentLoop = async (
  config: ResolvedAgentConfig,
  agent: Agent,
  options: ApplyOptions,
  log: Logger,
  opts: Pick<LoopOptions, 'onPass' | 'debounceMs'> = {},
): Promise<AgentLoop> => {
  const interval = config.source.interval ?? 60;
  const adoptions = new Adoptions();
  // Before the loop: the metrics count its first pass too, and the notifications hear of it.
  const notifier = createNotifier({
    node: config.node,
    store: agent.deps.store,
    sinks: await readSinks(config.notify ?? [], config.source.url),
    log,
  });
  const metrics = createMetrics({
    store: agent.deps.store,
    source: agent.deps.source.description,
    runtimes: [agent.deps.runtimes.container, agent.deps.runtimes.unikernel],
    accelOf: (name) => agent.deps.runtimes.unikernel.accelOf(name),
    extra: () => ({ notifyDrops: notifier.drops() }),
  });
  const loop = startLoop({ ...agent.deps, adoptions }, options, log, {
    interval,
    imageCheckInterval: config.images.check_interval,
    imageRegistry: registryClient({ insecure: config.images.insecure_registries }),
    ...opts,
  });
  // Every interval pass looks at the files again, in case the watch missed a change.
  const watch = await agent.deps.source.watch?.({
    onChange: (path) => {
      // A loader thread the load needs boots during the debounce instead of after it.
      agent.loader.warm?.();
      void loop.scheduler.trigger(`source changed ${path}`);
    },
    ignored: ignoredBySourceWatch(config.state_dir),
    recheckMs: (interval * 1000) / 2,
  });
  return {
    loop,
    adoptions,
    notifier,
    metrics,
    async stop() {
      await watch?.close();
      metrics.close();
      notifier.close();
      await loop.stop();
    },
  };
};

/**
 * What the directory watch ignores: git's own files, and the agent's state directory when it
 * lies inside the source (its registry writes would otherwise ask for a pass after every pass).
 */
export const ignoredBySourceWatch = (stateDir: string) => {
  const state = resolve(stateDir);
  return (path: string) => {
    if (/(^|\/)\.git(\/|$)/.test(path)) return true;
    const at = resolve(path);
    return at === state || at.startsWith(`${state}/`);
  };
};

export const runDaemon = async (
  config: ResolvedAgentConfig,
  agent: Agent,
  options: ApplyOptions,
  log: Logger,
  stop: AbortSignal,
): Promise<void> => {
  const interval = config.source.interval ?? 60;
  const running = await startAgentLoop(config, agent, options, log);
  const { loop, adoptions, metrics } = running;
  const { scheduler } = loop;
  let api: ApiServer;
  try {
    api = await serveApi(config, agent, loop, adoptions, metrics, log);
  } catch (err) {
    await running.stop();
    await agent.close();
    throw err;
  }
  log.info('agent started', {
    node: config.node,
    source: agent.deps.source.description,
    trust: trustOf(config),
    interval,
    api: api.url,
  });
  void scheduler.trigger('start');
  if (!stop.aborted) await new Promise((resolve) => stop.addEventListener('abort', resolve, { once: true }));
  log.info('agent stopping', { node: config.node });
  await api.close();
  await running.stop();
  await agent.close();
};
