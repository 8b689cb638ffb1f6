/**
 * Notifications: the agent tells the operator, unasked, what needs them. It reads the store's
 * feed (conditions.ts), filters per sink (kinds, services), sends the same condition once and
 * again only when it changes or after `repeat_after`, and posts commit statuses for each new
 * revision a pass applies. Sending never touches a pass: the feed only enqueues; each sink has
 * a bounded queue, retries with back-off, and counts what it drops.
 */
import { readFile } from 'node:fs/promises';
import { McpError } from '../../domain/errors.js';
import type { AgentConfig } from '../../generated/agent.js';
import type { Logger } from '../../log.js';
import type { StateStore, StoreRecord } from '../../ports/state-store.js';
import { type Alert, alertsOf, type ConditionState } from './conditions.js';
import {
  alertRequest,
  type CommitStatus,
  repositoryOf,
  type SinkConfig,
  type SinkRequest,
  statusRequest,
} from './sinks.js';

export { ALERT_KINDS, type Alert, type AlertKind } from './conditions.js';
export { alertRequest, type SinkConfig, type SinkRequest, statusRequest } from './sinks.js';

export interface NotifierOptions {
  node: string;
  store: StateStore;
  sinks: readonly SinkConfig[];
  log: Logger;
  /** How a request is sent (tests may wrap it); default global fetch with a 10 s deadline. */
  send?: (req: SinkRequest) => Promise<void>;
  now?: () => number;
  /** Waits between retries, in ms; default 1 s, 2 s, 4 s. */
  backoffMs?: readonly number[];
  /** Requests a sink may have waiting; more are dropped (counted). Default 100. */
  queueLimit?: number;
}

export interface Notifier {
  /** Requests dropped per sink, for the metrics. */
  drops(): Record<string, number>;
  /** Resolves once every queue is empty (tests; a stop). */
  idle(): Promise<void>;
  close(): void;
}

const STATUS_KINDS = new Set(['gitea', 'forgejo', 'github']);

/** Subscribes the sinks to the store's feed. */
export const createNotifier = (opts: NotifierOptions): Notifier => {
  const now = opts.now ?? Date.now;
  const send = opts.send ?? httpSend;
  const outboxes = opts.sinks.map(
    (sink) =>
      new Outbox(sink.name, send, opts.backoffMs ?? [1000, 2000, 4000], opts.queueLimit ?? 100, opts.log),
  );
  const repeats = opts.sinks.map(() => new Map<string, { key: string; at: number }>());
  const conditions: ConditionState = {};
  const statuses = new Map<string, CommitStatus['state']>();
  let txn = 0;

  const serviceOf = (instance: string) => opts.store.inventory().find((e) => e.name === instance)?.service;

  const alert = (a: Alert) =>
    opts.sinks.forEach((sink, i) => {
      if (STATUS_KINDS.has(sink.kind)) return;
      if (sink.events && !sink.events.includes(a.kind)) return;
      if (sink.services && (!a.service || !sink.services.includes(a.service))) return;
      const id = `${a.kind} ${a.subject}`;
      const before = repeats[i]!.get(id);
      if (before && before.key === a.key && now() - before.at < sink.repeatAfterMs) return;
      repeats[i]!.set(id, { key: a.key, at: now() });
      outboxes[i]!.push(alertRequest(sink, opts.node, a, `mcp-${opts.node}-${now()}-${++txn}`));
    });

  /** The commit whose status is pending: a newer one applied first leaves it `error`, not pending for ever. */
  let open: string | undefined;
  const post = (s: CommitStatus) => {
    statuses.set(s.commit, s.state);
    // The verdicts of the last commits are enough to tell a repeat; older ones go.
    if (statuses.size > 100) statuses.delete(statuses.keys().next().value!);
    opts.sinks.forEach((sink, i) => {
      if (STATUS_KINDS.has(sink.kind)) outboxes[i]!.push(statusRequest(sink, opts.node, s));
    });
  };
  const status = (s: CommitStatus) => {
    const before = statuses.get(s.commit);
    if (before === s.state || (before !== undefined && before !== 'pending')) return;
    if (s.state === 'pending' && open && open !== s.commit)
      post({
        commit: open,
        state: 'error',
        description: `superseded by ${s.commit.slice(0, 7)} before it settled`,
      });
    open = s.state === 'pending' ? s.commit : open === s.commit ? undefined : open;
    post(s);
  };

  const onRecord = (record: StoreRecord) => {
    for (const a of alertsOf(record, conditions, serviceOf)) alert(a);
    for (const s of statusesOf(record)) status(s);
  };
  const unsubscribe = opts.store.subscribe(onRecord);
  return {
    drops: () => Object.fromEntries(outboxes.map((o) => [o.name, o.dropped])),
    idle: () => Promise.all(outboxes.map((o) => o.idle())).then(() => undefined),
    close: () => {
      unsubscribe();
      for (const o of outboxes) o.close();
    },
  };
};

/** The commit statuses a record settles: pending when a pass starts on a commit, then its verdict. */
const statusesOf = (record: StoreRecord): CommitStatus[] => {
  if (record.kind === 'applying' && record.applying.commit)
    return [{ commit: record.applying.commit, state: 'pending', description: 'applying' }];
  if (
    record.kind === 'event' &&
    record.event.kind === 'rejected' &&
    typeof record.event.data?.commit === 'string'
  )
    return [{ commit: record.event.data.commit, state: 'failure', description: record.event.message }];
  if (record.kind !== 'pass' || !record.pass.revision) return [];
  const pass = record.pass;
  if (pass.result === 'converged')
    return [{ commit: pass.revision!, state: 'success', description: `converged: ${pass.summary}` }];
  if (pass.result === 'progressing') return [];
  const rolledBack = pass.unhealthy?.some((u) => u.state === 'rolled-back');
  const why = pass.errors[0]?.message ?? pass.summary;
  return [
    {
      commit: pass.revision!,
      state: 'failure',
      description: `${rolledBack ? 'rolled back' : pass.result}: ${why}`,
    },
  ];
};

/** POST or PUT with a deadline; a non-2xx answer is a failure to retry. */
const httpSend = async (req: SinkRequest): Promise<void> => {
  const res = await fetch(req.url, {
    method: req.method,
    headers: req.headers,
    body: req.body,
    signal: AbortSignal.timeout(10_000),
  });
  await res.arrayBuffer().catch(() => undefined);
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
};

/** One sink's queue: sends in order, one at a time, retrying with back-off; full or spent is a drop. */
class Outbox {
  dropped = 0;
  private readonly queue: SinkRequest[] = [];
  private running?: Promise<void>;
  private closed = false;

  constructor(
    readonly name: string,
    private readonly send: (req: SinkRequest) => Promise<void>,
    private readonly backoffMs: readonly number[],
    private readonly limit: number,
    private readonly log: Logger,
  ) {}

  push(req: SinkRequest): void {
    if (this.closed) return;
    if (this.queue.length >= this.limit) {
      this.dropped++;
      this.log.warn('notification dropped: the sink queue is full', { sink: this.name });
      return;
    }
    this.queue.push(req);
    this.running ??= this.drain().finally(() => {
      this.running = undefined;
    });
  }

  idle(): Promise<void> {
    return this.running ?? Promise.resolve();
  }

  close(): void {
    this.closed = true;
    this.queue.length = 0;
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0 && !this.closed) {
      const req = this.queue.shift()!;
      for (let attempt = 0; ; attempt++) {
        try {
          await this.send(req);
          break;
        } catch (err) {
          if (attempt >= this.backoffMs.length || this.closed) {
            this.dropped++;
            this.log.warn('notification dropped: the sink did not take it', {
              sink: this.name,
              reason: (err as Error).message,
            });
            break;
          }
          await new Promise((r) => setTimeout(r, this.backoffMs[attempt]).unref());
        }
      }
    }
  }
}

/** One `[[notify]]` table as configured (paths already absolute): the schema's own type. */
export type NotifyTable = NonNullable<AgentConfig['notify']>[number];

/** What each kind needs besides `kind`. */
const NEEDS: Record<SinkConfig['kind'], (keyof NotifyTable)[]> = {
  webhook: ['url'],
  slack: ['url'],
  matrix: ['homeserver', 'room', 'access_token_file'],
  gitea: ['api_url', 'token_file'],
  forgejo: ['api_url', 'token_file'],
  github: ['api_url', 'token_file'],
};

/**
 * The sinks of `[[notify]]`, their secrets read from their files now: INVALID_CONFIG names the
 * table and what is missing or unreadable, so a mistake stops start-up instead of a page lost.
 */
export const readSinks = async (tables: readonly NotifyTable[], sourceUrl?: string): Promise<SinkConfig[]> =>
  Promise.all(
    tables.map(async (t, i) => {
      const where = `notify[${i}] (${t.kind})`;
      const missing = NEEDS[t.kind].filter((k) => t[k] === undefined);
      if (missing.length) throw new McpError('INVALID_CONFIG', `${where} needs ${missing.join(', ')}`);
      const read = async (file?: string) => {
        if (!file) return undefined;
        const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
          throw new McpError('INVALID_CONFIG', `${where}: cannot read ${file} (${err.code})`);
        });
        return text.trim();
      };
      const repository = t.repository ?? repositoryOf(sourceUrl);
      if (STATUS_KINDS.has(t.kind) && !repository)
        throw new McpError(
          'INVALID_CONFIG',
          `${where} needs repository = "owner/name" (source.url does not name one)`,
        );
      const host = (() => {
        try {
          return new URL(t.url ?? t.homeserver ?? t.api_url ?? '').host;
        } catch {
          return '?';
        }
      })();
      const secret = await read(t.secret_file);
      const token = await read(t.access_token_file ?? t.token_file);
      return {
        kind: t.kind,
        name: `${i}:${t.kind}@${host}`,
        ...(t.url && { url: t.url }),
        ...(secret && { secret }),
        ...(t.homeserver && { homeserver: t.homeserver }),
        ...(t.room && { room: t.room }),
        ...(token && { token }),
        ...(t.api_url && { apiUrl: t.api_url }),
        ...(repository && { repository }),
        ...(t.events && { events: t.events }),
        ...(t.services && { services: t.services }),
        repeatAfterMs: (t.repeat_after ?? 3600) * 1000,
      };
    }),
  );
