/**
 * The StateStore on SQLite through sql.js. sql.js keeps the database in memory; flush()
 * exports it and replaces the file atomically, so the file is always a whole database.
 */

import { readFile, rename } from 'node:fs/promises';
import initSqlJs, { type Database, type SqlValue, type Statement } from 'sql.js';
import { writeFileAtomic } from '../../atomic-file.js';
import type { DeathRecord } from '../../domain/crash-loop.js';
import { McpError } from '../../domain/errors.js';
import type { HealthRecord, HealthState } from '../../domain/health.js';
import type { JobRun } from '../../domain/job.js';
import type { InventoryEntry } from '../../domain/observed.js';
import type { FailedSpec, HealthySpec } from '../../domain/rollback.js';
import type { Revision } from '../../domain/spec.js';
import type { Suspension, SuspensionScope } from '../../domain/suspension.js';
import type {
  AppliedRevision,
  ApplyingRevision,
  EventRecord,
  PassStatus,
  SeenRevision,
  StateStore,
  StoreRecord,
} from '../../ports/state-store.js';
import { migrations } from './migrations.js';

const PORT_MIN = 10000;
const PORT_MAX = 60000;
const EVENTS_KEPT = 1000;
const PASSES_KEPT = 100;

/** How the registry came to be: read from its file, made new (no file), or made new beside an empty file kept aside. */
export type RegistryOrigin = { kind: 'read' } | { kind: 'new' } | { kind: 'reset'; keptAs: string };

/**
 * Opens (or creates) the registry at `path`; without a path it lives only in memory.
 * A file that is not a database is INVALID_CONFIG (never overwritten); an empty file is not
 * taken for a new registry silently: it is renamed aside, and the new registry's first event
 * says so. `onOpen` learns which happened.
 */
export const openRegistry = async (
  path?: string,
  onOpen: (origin: RegistryOrigin) => void = () => {},
): Promise<SqlRegistry> => {
  const SQL = await initSqlJs();
  let bytes = path ? await readFile(path).catch((err) => notFoundAsUndefined(err, path)) : undefined;
  let origin: RegistryOrigin = { kind: bytes ? 'read' : 'new' };
  if (path && bytes?.length === 0) {
    const keptAs = `${path}.empty-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    await rename(path, keptAs);
    origin = { kind: 'reset', keptAs };
    bytes = undefined;
  }
  const db = new SQL.Database(bytes);
  const registry = new SqlRegistry(db, path);
  try {
    // The file is replaced whole by each flush, never written in place, so the rollback journal
    // need only live in memory: half the cost of a write statement (30 against 55 us here).
    db.exec('PRAGMA journal_mode = MEMORY');
    registry.migrate();
  } catch (err) {
    db.close();
    if (!path || origin.kind !== 'read') throw err;
    throw new McpError(
      'INVALID_CONFIG',
      `${path} is not an MCP registry (${(err as Error).message}): restore it from a backup, or move it aside to start from an empty registry`,
      { path },
    );
  }
  if (origin.kind === 'reset')
    registry.addEvent({
      at: new Date().toISOString(),
      kind: 'registry',
      message: 'the registry file was empty: started from nothing, the empty file kept aside',
      data: { keptAs: origin.keptAs },
    });
  onOpen(origin);
  return registry;
};

const notFoundAsUndefined = (err: NodeJS.ErrnoException, path: string): undefined => {
  if (err.code === 'ENOENT') return undefined;
  throw new McpError('INVALID_CONFIG', `cannot read the registry ${path}: ${err.code}: check state_dir`, {
    path,
  });
};

export class SqlRegistry implements StateStore {
  private dirty = false;
  private flushing: Promise<void> = Promise.resolve();
  /** inventory() as last read; dropped by every write to the instances table. */
  private inventoryCache?: InventoryEntry[];
  /** The revision object last stored, so an unchanged revision is not rewritten every pass. */
  private lastGoodStored?: Revision;
  private applyingNow?: ApplyingRevision;
  private lastAppliedStored?: Revision;
  private seenStored?: string;
  /** appliedStatus() as last read or written; null: none applied. */
  private appliedStatusCache?: AppliedRevision | null;
  /** suspensions() as last read; dropped by every write to the suspensions table (each pass reads it). */
  private suspensionsCache?: Suspension[];
  private readonly listeners = new Set<(record: StoreRecord) => void>();
  /**
   * Each statement compiled once, not on every call (a pass runs the same dozen). sql.js frees
   * them all when it exports the database: the flush forgets them.
   */
  private readonly statements = new Map<string, Statement>();

  constructor(
    private readonly db: Database,
    private readonly path?: string,
  ) {}

  /** Applies the migrations newer than the database's user_version, in order. */
  migrate(): void {
    const version = Number(this.rows('PRAGMA user_version')[0]?.user_version ?? 0);
    for (let i = version; i < migrations.length; i++) {
      this.db.exec(`BEGIN; ${migrations[i]}; PRAGMA user_version = ${i + 1}; COMMIT;`);
      this.dirty = true;
    }
  }

  inventory(): InventoryEntry[] {
    this.inventoryCache ??= this.readInventory();
    return [...this.inventoryCache];
  }

  private readInventory(): InventoryEntry[] {
    return this.rows(
      'SELECT name, service, component, kind, spec_hash, spec, claimed, adopted_id FROM instances ORDER BY name',
    ).map((r) => ({
      name: String(r.name),
      service: String(r.service),
      component: String(r.component),
      kind: r.kind === 'unikernel' ? 'unikernel' : 'container',
      specHash: String(r.spec_hash),
      ...(r.spec ? { spec: JSON.parse(String(r.spec)) } : {}),
      ...(r.claimed ? { claimed: true } : {}),
      ...(r.adopted_id ? { adoptedId: String(r.adopted_id) } : {}),
    }));
  }

  recordInstances(entries: InventoryEntry[]): void {
    if (entries.length) this.inventoryCache = undefined;
    for (const e of entries) {
      this.run('INSERT OR REPLACE INTO instances VALUES (?, ?, ?, ?, ?, ?, ?, ?)', [
        e.name,
        e.service,
        e.component,
        e.kind,
        e.specHash,
        e.spec ? JSON.stringify(e.spec) : null,
        e.claimed ? 1 : 0,
        e.adoptedId ?? null,
      ]);
    }
  }

  forgetInstance(name: string): void {
    this.inventoryCache = undefined;
    this.run('DELETE FROM instances WHERE name = ?', [name]);
    this.releasePorts(name);
  }

  routePorts(
    instance: string,
    routes: readonly string[],
    avoid: ReadonlySet<number> = new Set(),
  ): Record<string, number> {
    const ports: Record<string, number> = {};
    for (const r of this.rows('SELECT route, port FROM route_ports WHERE instance = ?', [instance])) {
      const route = String(r.route);
      if (routes.includes(route)) ports[route] = Number(r.port);
      else this.run('DELETE FROM route_ports WHERE instance = ? AND route = ?', [instance, route]);
    }
    const missing = routes.filter((route) => ports[route] === undefined);
    if (!missing.length) return ports;
    const used = new Set(this.rows('SELECT port FROM route_ports').map((r) => Number(r.port)));
    let next = PORT_MIN;
    for (const route of missing) {
      while (next <= PORT_MAX && (used.has(next) || avoid.has(next))) next++;
      if (next > PORT_MAX)
        throw new McpError('RUNTIME', `no free route port left in ${PORT_MIN}-${PORT_MAX}`, {
          instance,
          route,
        });
      ports[route] = next++;
      this.run('INSERT INTO route_ports VALUES (?, ?, ?)', [instance, route, ports[route]]);
    }
    return ports;
  }

  releasePorts(instance: string): void {
    this.run('DELETE FROM route_ports WHERE instance = ?', [instance]);
  }

  lastGood(): Revision | undefined {
    const row = this.rows('SELECT commit_id, services FROM last_good WHERE id = 1')[0];
    if (!row) return undefined;
    const services = JSON.parse(String(row.services));
    return row.commit_id ? { commit: String(row.commit_id), services } : { services };
  }

  setLastGood(revision: Revision): void {
    if (revision === this.lastGoodStored) return;
    this.lastGoodStored = revision;
    this.run('INSERT OR REPLACE INTO last_good VALUES (1, ?, ?)', [
      revision.commit ?? null,
      JSON.stringify(revision.services),
    ]);
  }

  /** The applied revision's commit, time and result without its services (status asks it often). */
  appliedStatus(): AppliedRevision | undefined {
    if (this.appliedStatusCache === undefined) {
      const row = this.rows('SELECT status FROM applied WHERE id = 1')[0];
      this.appliedStatusCache = row ? JSON.parse(String(row.status)) : null;
    }
    return this.appliedStatusCache ?? undefined;
  }

  applied(): (AppliedRevision & { services: Revision['services'] }) | undefined {
    const row = this.rows('SELECT status, services FROM applied WHERE id = 1')[0];
    if (!row) return undefined;
    return { ...JSON.parse(String(row.status)), services: JSON.parse(String(row.services)) };
  }

  /** A commit applied again keeps the time it was first applied; its result is the last pass's. */
  setApplied(revision: Revision, result: PassStatus['result'], at: string): void {
    // The status alone: parsing the applied services every pass would cost more than the pass.
    const before = this.appliedStatus();
    const commit = revision.commit ?? null;
    const status: AppliedRevision = { commit, at: before?.commit === commit ? before.at : at, result };
    if (before && before.commit === commit && before.result === result && revision === this.lastAppliedStored)
      return;
    this.lastAppliedStored = revision;
    this.appliedStatusCache = status;
    this.run('INSERT OR REPLACE INTO applied VALUES (1, ?, ?)', [
      JSON.stringify(status),
      JSON.stringify(revision.services),
    ]);
  }

  /** Parsed from the text last read or written: each pass asks it twice. */
  seen(): SeenRevision | undefined {
    if (this.seenStored === undefined) {
      const row = this.rows('SELECT status FROM seen WHERE id = 1')[0];
      if (!row) return undefined;
      this.seenStored = String(row.status);
    }
    return JSON.parse(this.seenStored);
  }

  setSeen(seen: SeenRevision): void {
    const text = JSON.stringify(seen);
    if (text === this.seenStored) return;
    this.seenStored = text;
    this.run('INSERT OR REPLACE INTO seen VALUES (1, ?)', [text]);
  }

  applying(): ApplyingRevision | undefined {
    return this.applyingNow;
  }

  setApplying(applying: ApplyingRevision | undefined): void {
    this.applyingNow = applying;
    if (applying) this.tell({ kind: 'applying', applying });
  }

  lastPass(): PassStatus | undefined {
    const row = this.rows('SELECT status FROM passes ORDER BY id DESC LIMIT 1')[0];
    return row ? JSON.parse(String(row.status)) : undefined;
  }

  /** Pass records alone do not make the database dirty: a crash may lose the last status, never state. */
  recordPass(status: PassStatus): void {
    this.statement('INSERT INTO passes (status) VALUES (?)').run([JSON.stringify(status)]);
    this.statement('DELETE FROM passes WHERE id <= (SELECT MAX(id) FROM passes) - ?').run([PASSES_KEPT]);
    this.tell({ kind: 'pass', pass: status });
  }

  subscribe(listener: (record: StoreRecord) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A listener's failure is its own: the store's write has happened and stays. */
  private tell(record: StoreRecord): void {
    for (const listener of this.listeners) {
      try {
        listener(record);
      } catch {}
    }
  }

  addEvent(e: EventRecord): void {
    this.run('INSERT INTO events (at, kind, name, message, data) VALUES (?, ?, ?, ?, ?)', [
      e.at,
      e.kind,
      e.name ?? null,
      e.message,
      e.data ? JSON.stringify(e.data) : null,
    ]);
    this.run('DELETE FROM events WHERE id <= (SELECT MAX(id) FROM events) - ?', [EVENTS_KEPT]);
    this.tell({ kind: 'event', event: e });
  }

  /** The latest `limit` events, newest first. */
  events(limit: number): EventRecord[] {
    return this.rows('SELECT at, kind, name, message, data FROM events ORDER BY id DESC LIMIT ?', [
      limit,
    ]).map((r) => ({
      at: String(r.at),
      kind: String(r.kind) as EventRecord['kind'],
      message: String(r.message),
      ...(r.name ? { name: String(r.name) } : {}),
      ...(r.data ? { data: JSON.parse(String(r.data)) } : {}),
    }));
  }

  health(): Map<string, HealthRecord> {
    const rows = this.rows('SELECT name, state, since, hash, reason FROM health');
    return new Map(
      rows.map((r) => [
        String(r.name),
        {
          state: String(r.state) as HealthState,
          since: String(r.since),
          ...(r.hash ? { hash: String(r.hash) } : {}),
          ...(r.reason ? { reason: String(r.reason) } : {}),
        },
      ]),
    );
  }

  recordHealth(name: string, record: HealthRecord | undefined): void {
    if (!record) {
      this.run('DELETE FROM health WHERE name = ?', [name]);
      return;
    }
    this.run('INSERT OR REPLACE INTO health VALUES (?, ?, ?, ?, ?)', [
      name,
      record.state,
      record.since,
      record.hash ?? null,
      record.reason ?? null,
    ]);
  }

  lastHealthy(): Map<string, HealthySpec> {
    const rows = this.rows('SELECT name, hash, spec, image_id, revision FROM last_healthy');
    return new Map(
      rows.map((r) => [
        String(r.name),
        {
          name: String(r.name),
          hash: String(r.hash),
          spec: JSON.parse(String(r.spec)),
          ...(r.image_id ? { imageId: String(r.image_id) } : {}),
          ...(r.revision ? { revision: String(r.revision) } : {}),
        },
      ]),
    );
  }

  setLastHealthy(h: HealthySpec): void {
    this.run('INSERT OR REPLACE INTO last_healthy VALUES (?, ?, ?, ?, ?)', [
      h.name,
      h.hash,
      JSON.stringify(h.spec),
      h.imageId ?? null,
      h.revision ?? null,
    ]);
  }

  jobRuns(): Map<string, JobRun> {
    const rows = this.rows('SELECT name, run FROM job_runs');
    return new Map(rows.map((r) => [String(r.name), JSON.parse(String(r.run)) as JobRun]));
  }

  recordJobRun(run: JobRun): void {
    this.run('INSERT OR REPLACE INTO job_runs VALUES (?, ?)', [run.name, JSON.stringify(run)]);
  }

  forgetJobRun(name: string): void {
    this.run('DELETE FROM job_runs WHERE name = ?', [name]);
  }

  failedSpecs(): Map<string, FailedSpec> {
    const rows = this.rows('SELECT name, hash, reason, revision, at FROM failed_specs');
    return new Map(
      rows.map((r) => [
        String(r.name),
        {
          name: String(r.name),
          hash: String(r.hash),
          reason: String(r.reason),
          at: String(r.at),
          ...(r.revision ? { revision: String(r.revision) } : {}),
        },
      ]),
    );
  }

  markFailed(f: FailedSpec): void {
    this.run('INSERT OR REPLACE INTO failed_specs VALUES (?, ?, ?, ?, ?)', [
      f.name,
      f.hash,
      f.reason,
      f.revision ?? null,
      f.at,
    ]);
  }

  clearFailed(name: string): void {
    this.run('DELETE FROM failed_specs WHERE name = ?', [name]);
  }

  crashLoops(): Map<string, DeathRecord> {
    const rows = this.rows('SELECT name, hash, deaths, since FROM crash_loops');
    return new Map(
      rows.map((r) => [
        String(r.name),
        { hash: String(r.hash), deaths: JSON.parse(String(r.deaths)), loopingSince: Number(r.since) },
      ]),
    );
  }

  recordCrashLoop(name: string, record: DeathRecord | undefined): void {
    if (record?.loopingSince === undefined) {
      this.run('DELETE FROM crash_loops WHERE name = ?', [name]);
      return;
    }
    this.run('INSERT OR REPLACE INTO crash_loops VALUES (?, ?, ?, ?)', [
      name,
      record.hash,
      JSON.stringify(record.deaths),
      record.loopingSince,
    ]);
  }

  suspensions(): Suspension[] {
    this.suspensionsCache ??= this.rows(
      'SELECT scope, target, since, by_token, reason FROM suspensions ORDER BY since, scope, target',
    ).map((r) => ({
      scope: r.scope === 'node' ? 'node' : 'service',
      target: String(r.target),
      since: String(r.since),
      by: String(r.by_token),
      reason: String(r.reason),
    }));
    return [...this.suspensionsCache];
  }

  suspend(s: Suspension): Suspension | undefined {
    const before = this.suspensions().find((x) => x.scope === s.scope && x.target === s.target);
    if (before) return before;
    this.suspensionsCache = undefined;
    this.run('INSERT INTO suspensions VALUES (?, ?, ?, ?, ?)', [s.scope, s.target, s.since, s.by, s.reason]);
    return undefined;
  }

  resume(scope: SuspensionScope, target: string): Suspension | undefined {
    const before = this.suspensions().find((x) => x.scope === scope && x.target === target);
    if (!before) return undefined;
    this.suspensionsCache = undefined;
    this.run('DELETE FROM suspensions WHERE scope = ? AND target = ?', [scope, target]);
    return before;
  }

  /** Flushes run one at a time: a pass and an API request may both flush, and share a temporary file. */
  flush(): Promise<void> {
    const next = this.flushing.then(() => this.flushNow());
    this.flushing = next.catch(() => {});
    return next;
  }

  private async flushNow(): Promise<void> {
    if (!this.dirty || !this.path) return;
    this.dirty = false;
    try {
      this.statements.clear();
      await writeFileAtomic(this.path, this.db.export());
    } catch (err) {
      this.dirty = true;
      throw err;
    }
  }

  close(): void {
    this.statements.clear();
    this.db.close();
  }

  private statement(sql: string): Statement {
    let stmt = this.statements.get(sql);
    if (!stmt) {
      stmt = this.db.prepare(sql);
      this.statements.set(sql, stmt);
    }
    return stmt;
  }

  private run(sql: string, params: SqlValue[]): void {
    this.statement(sql).run(params);
    this.dirty = true;
  }

  private rows(sql: string, params: SqlValue[] = []): Record<string, SqlValue>[] {
    const stmt = this.statement(sql);
    const out: Record<string, SqlValue>[] = [];
    try {
      stmt.bind(params);
      while (stmt.step()) out.push(stmt.getAsObject());
    } finally {
      stmt.reset();
    }
    return out;
  }
}
