/**
 * The agent's Prometheus metrics (`GET /metrics`), with prom-client on a registry of its own.
 * Counters follow the store's feed (each pass record as it is stored); gauges of what runs are
 * filled when scraped, from the runtimes' cached views and the registry, so a scrape makes no
 * runtime API call and the pass does no metrics work beyond a few increments.
 */
import client from 'prom-client';
import { OUTCOMES } from '../../domain/outcome.js';
import type { InstanceRuntime } from '../../ports/instance-runtime.js';
import type { PassStatus, StateStore } from '../../ports/state-store.js';

/** What the metrics read: the registry and its feed, the runtimes, the VMs' accelerator. */
export interface MetricsSources {
  store: StateStore;
  /** The source's description, for the revision's label. */
  source: string;
  runtimes: readonly InstanceRuntime[];
  /** The accelerator in a VM's command line, by instance name (from its record). */
  accelOf?: (instance: string) => string | undefined;
  /** Counts of other parts (notification drops), read at each scrape. */
  extra?: () => { notifyDrops?: Record<string, number> };
}

/** The agent's metrics: the exposition text, and a stop for the feed. */
export interface Metrics {
  readonly contentType: string;
  /** The Prometheus text exposition of every metric now. */
  text(): Promise<string>;
  close(): void;
}

/** How long one rendering of the metrics answers further scrapes. */
const FRESH_MS = 100;

/** Builds the metrics and subscribes them to the store's feed. */
export const createMetrics = (src: MetricsSources): Metrics => {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry, prefix: 'mcp_agent_' });
  const passSeconds = new client.Histogram({
    name: 'mcp_pass_duration_seconds',
    help: 'Duration of reconcile passes, by result.',
    labelNames: ['result'],
    buckets: [0.005, 0.025, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
    registers: [registry],
  });
  const passes = new client.Counter({
    name: 'mcp_passes_total',
    help: 'Reconcile passes, by result (converged, progressing, degraded, failed).',
    labelNames: ['result'],
    registers: [registry],
  });
  const actions = new client.Counter({
    name: 'mcp_actions_total',
    help: 'Instances acted on by passes, by outcome (created, recreated, started, stopped, removed, adopted, skipped, conflict, failed).',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const sourceErrors = new client.Counter({
    name: 'mcp_source_fetch_errors_total',
    help: 'Passes whose source could not be fetched (the last good revision was used).',
    registers: [registry],
  });
  const events = new client.Counter({
    name: 'mcp_events_total',
    help: 'Events recorded, by kind: outcomes of actions, health transitions, rolled-back, crash-looping, rejected revisions, overrides, suspended and resumed.',
    labelNames: ['kind'],
    registers: [registry],
  });
  new client.Gauge({
    name: 'mcp_newest_revision',
    help: 'The fate of the newest revision seen (1 for its fate): applied, applying, pending, rejected or held.',
    labelNames: ['fate'],
    registers: [registry],
    collect() {
      this.reset();
      const seen = src.store.seen();
      if (seen) this.set({ fate: seen.fate }, 1);
    },
  });
  new client.Gauge({
    name: 'mcp_suspended_since_timestamp_seconds',
    help: 'Each suspension in force (mcp suspend): since when (unix seconds), by scope (node or service) and target; absent when nothing is suspended.',
    labelNames: ['scope', 'target'],
    registers: [registry],
    collect() {
      this.reset();
      for (const s of src.store.suspensions())
        this.set({ scope: s.scope, target: s.target }, Date.parse(s.since) / 1000);
    },
  });
  const lastSuccess = new client.Gauge({
    name: 'mcp_last_converged_pass_timestamp_seconds',
    help: 'When the last pass that converged ended (unix seconds); absent before the first.',
    registers: [registry],
  });
  new client.Gauge({
    name: 'mcp_revision_info',
    help: 'The revision in force (1), labelled with its commit and the source.',
    labelNames: ['revision', 'source'],
    registers: [registry],
    collect() {
      this.reset();
      const applied = src.store.appliedStatus();
      if (applied) this.set({ revision: applied.commit ?? 'directory', source: src.source }, 1);
    },
  });
  const instances = new client.Gauge({
    name: 'mcp_instances',
    help: 'Instances of this node by kind, state and health (none without a probe).',
    labelNames: ['kind', 'state', 'health'],
    registers: [registry],
  });
  const vms = new client.Gauge({
    name: 'mcp_vms',
    help: 'Running VMs of this node by the accelerator in their command line (unknown for records older than it).',
    labelNames: ['accel'],
    registers: [registry],
  });
  /** The gauges of what runs, from one look at each runtime's cached view per scrape. */
  const observe = async () => {
    const health = src.store.health();
    const mine = new Set(src.store.inventory().map((e) => e.name));
    const views = await Promise.all(src.runtimes.map((r) => r.observe([], []).catch(() => undefined)));
    instances.reset();
    vms.reset();
    for (const i of views.flatMap((v) => v?.instances ?? [])) {
      if (!mine.has(i.name)) continue;
      instances.inc({ kind: i.kind, state: i.state, health: health.get(i.name)?.state ?? 'none' });
      if (i.kind === 'unikernel' && i.state === 'running')
        vms.inc({ accel: src.accelOf?.(i.name) ?? 'unknown' });
    }
  };
  runtimeCounter(
    registry,
    'mcp_runtime_relists_total',
    'Full relists of the container runtime (start, reconnect, periodic).',
    src,
    'relists',
  );
  runtimeCounter(
    registry,
    'mcp_runtime_event_stream_reconnects_total',
    'Reconnects of the container runtime event stream.',
    src,
    'reconnects',
  );
  new client.Counter({
    name: 'mcp_notifications_dropped_total',
    help: 'Notifications dropped, by sink (its queue full, or every retry failed).',
    labelNames: ['sink'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [sink, n] of Object.entries(src.extra?.().notifyDrops ?? {})) this.inc({ sink }, n);
    },
  });

  const onPass = (pass: PassStatus) => {
    passSeconds.observe({ result: pass.result }, pass.durationMs / 1000);
    passes.inc({ result: pass.result });
    for (const outcome of OUTCOMES)
      if (outcome !== 'unchanged' && pass.counts[outcome] > 0) actions.inc({ outcome }, pass.counts[outcome]);
    if (pass.errors.some((e) => e.code === 'SOURCE_UNAVAILABLE')) sourceErrors.inc();
    if (pass.result === 'converged') lastSuccess.set(Date.parse(pass.at) / 1000);
  };
  let rendering: Promise<string> | undefined;
  let renderedAt = 0;
  const unsubscribe = src.store.subscribe((record) => {
    if (record.kind === 'pass') onPass(record.pass);
    else if (record.kind === 'event') events.inc({ kind: record.event.kind });
  });
  return {
    contentType: registry.contentType,
    text: () => {
      // Scrapes at the same moment share one rendering (and reuse it for 100 ms): many
      // scrapers cost the agent what one does.
      if (!rendering || Date.now() - renderedAt > FRESH_MS) {
        renderedAt = Date.now();
        rendering = observe().then(() => registry.metrics());
        rendering.catch(() => {
          rendering = undefined;
        });
      }
      return rendering;
    },
    close: unsubscribe,
  };
};

/** A counter whose value is what the runtimes report (their own running totals). */
const runtimeCounter = (
  registry: client.Registry,
  name: string,
  help: string,
  src: MetricsSources,
  key: 'relists' | 'reconnects',
) =>
  new client.Counter({
    name,
    help,
    registers: [registry],
    collect() {
      this.reset();
      const total = src.runtimes.reduce((n, r) => n + (r.stats?.()[key] ?? 0), 0);
      if (total > 0) this.inc(total);
    },
  });
