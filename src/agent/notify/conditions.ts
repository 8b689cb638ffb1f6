/**
 * What deserves a notification, read from the store's feed: a pure function of one record and
 * what came before it (the last pass's result), so the rule is tested without a network.
 * The pass result uses the one rule of domain/pass.ts: progressing is not degraded, so a
 * deploy still starting pages nobody.
 */
import type { EventRecord, PassStatus } from '../../domain/pass.js';
import type { StoreRecord } from '../../ports/state-store.js';

/** The kinds a sink may filter on. */
export const ALERT_KINDS = [
  'rollback',
  'crash-loop',
  'rejected-revision',
  'failed-pass',
  'held-removal',
  'drift-healed',
  'drift-unhealed',
  'converged-after-degraded',
] as const;

export type AlertKind = (typeof ALERT_KINDS)[number];

/** One thing to tell the operator. */
export interface Alert {
  kind: AlertKind;
  /** What it is about: an instance, a commit, or the node. */
  subject: string;
  /** The service it is about, when one (for the sinks' `services` filter). */
  service?: string;
  /** The condition's identity beyond kind and subject: the same key again is a repeat. */
  key: string;
  /** One line for a person. */
  message: string;
  at: string;
  revision?: string;
  data?: Record<string, unknown>;
}

/** What the reader keeps between records: the last pass's result, to see a recovery. */
export interface ConditionState {
  lastResult?: PassStatus['result'];
}

const HEALS = new Set(['created', 'recreated', 'started', 'adopted']);

/** The alerts `record` raises; `serviceOf` maps an instance name to its service. */
export const alertsOf = (
  record: StoreRecord,
  state: ConditionState,
  serviceOf: (instance: string) => string | undefined,
): Alert[] => {
  if (record.kind === 'event') return eventAlerts(record.event, serviceOf);
  if (record.kind !== 'pass') return [];
  const pass = record.pass;
  const before = state.lastResult;
  state.lastResult = pass.result;
  const alerts: Alert[] = [];
  const rev = pass.revision ? { revision: pass.revision } : {};
  const held = pass.errors.find((e) => e.code === 'NEEDS_OVERRIDE');
  if (held)
    alerts.push({
      kind: 'held-removal',
      subject: 'node',
      key: held.message,
      message: held.message,
      at: pass.at,
      ...rev,
    });
  if (pass.result === 'degraded' || pass.result === 'failed') {
    const why =
      pass.errors[0]?.message ??
      pass.unhealthy?.map((u) => `${u.name} ${u.state}`).join(', ') ??
      pass.summary;
    alerts.push({
      kind: 'failed-pass',
      subject: 'node',
      key: `${pass.result} ${why}`,
      message: `pass ${pass.result}: ${pass.summary}${why && why !== pass.summary ? ` (${why})` : ''}`,
      at: pass.at,
      ...rev,
    });
  }
  if (pass.result === 'converged' && (before === 'degraded' || before === 'failed'))
    alerts.push({
      kind: 'converged-after-degraded',
      subject: 'node',
      key: pass.at,
      message: `converged again after a ${before} pass: ${pass.summary}`,
      at: pass.at,
      ...rev,
    });
  return alerts;
};

const eventAlerts = (e: EventRecord, serviceOf: (instance: string) => string | undefined): Alert[] => {
  const service = e.name ? serviceOf(e.name) : undefined;
  const base = { subject: e.name ?? 'node', at: e.at, ...(service ? { service } : {}) };
  if (e.kind === 'rolled-back')
    return [
      {
        ...base,
        kind: 'rollback',
        key: String(e.data?.toHash ?? e.message),
        message: e.message,
        data: e.data,
      },
    ];
  if (e.kind === 'crash-looping')
    return [
      {
        ...base,
        kind: 'crash-loop',
        key: String(e.data?.hash ?? e.message),
        message: e.message,
        data: e.data,
      },
    ];
  if (e.kind === 'rejected') {
    const commit = typeof e.data?.commit === 'string' ? e.data.commit : undefined;
    return [
      {
        ...base,
        subject: commit ?? 'directory',
        kind: 'rejected-revision',
        key: e.message,
        message: e.message,
        ...(commit ? { revision: commit } : {}),
      },
    ];
  }
  if (e.data?.drift !== true || !e.name) return [];
  if (HEALS.has(e.kind))
    return [
      {
        ...base,
        kind: 'drift-healed',
        // The same repair again (a container that keeps exiting) is a repeat, not news.
        key: `${e.kind} ${e.message}`,
        message: `${e.name} drifted (${e.message}); healed: ${e.kind} in ${e.data?.durationMs ?? '?'} ms`,
        data: e.data,
      },
    ];
  // A skip that only waits (a back-off, a crash loop, a dependency) is not drift left unhealed:
  // the crash-loop message, or the heal that follows, says it.
  if (e.kind === 'skipped' && /^(back-off|crash-looping|waiting)\b/.test(e.message)) return [];
  if (e.kind === 'failed' || e.kind === 'skipped' || e.kind === 'conflict')
    return [
      {
        ...base,
        kind: 'drift-unhealed',
        key: `${e.kind} ${e.message}`,
        message: `${e.name} drifted and could not be healed: ${e.kind}: ${e.message}`,
        data: e.data,
      },
    ];
  return [];
};
