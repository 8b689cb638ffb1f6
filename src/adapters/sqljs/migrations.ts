/** Registry schema migrations: numbered, forward only; `PRAGMA user_version` records the last applied. */
export const migrations: readonly string[] = [
  // 1: inventory, route ports, revisions, passes, events
  `CREATE TABLE instances (
     name TEXT PRIMARY KEY, service TEXT NOT NULL, component TEXT NOT NULL,
     kind TEXT NOT NULL, spec_hash TEXT NOT NULL, spec TEXT);
   CREATE TABLE route_ports (
     instance TEXT NOT NULL, route TEXT NOT NULL, port INTEGER NOT NULL UNIQUE,
     PRIMARY KEY (instance, route));
   CREATE TABLE last_good (id INTEGER PRIMARY KEY CHECK (id = 1), commit_id TEXT, services TEXT NOT NULL);
   CREATE TABLE passes (id INTEGER PRIMARY KEY AUTOINCREMENT, status TEXT NOT NULL);
   CREATE TABLE events (id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, kind TEXT NOT NULL,
     name TEXT, message TEXT NOT NULL, data TEXT);`,
  // 2: an inventory entry may be a claim recorded before its create, not yet confirmed
  'ALTER TABLE instances ADD COLUMN claimed INTEGER NOT NULL DEFAULT 0;',
  // 3: the revision last applied (with its services) and the newest seen, with its fate
  `CREATE TABLE applied (id INTEGER PRIMARY KEY CHECK (id = 1), status TEXT NOT NULL, services TEXT NOT NULL);
   CREATE TABLE seen (id INTEGER PRIMARY KEY CHECK (id = 1), status TEXT NOT NULL);`,
  // 4: a container adopted as it ran (`mcp adopt`) is known by its id, not by labels
  'ALTER TABLE instances ADD COLUMN adopted_id TEXT;',
  // 5: health per instance, the last healthy spec per component, specs whose rollout failed, crash loops
  `CREATE TABLE health (name TEXT PRIMARY KEY, state TEXT NOT NULL, since TEXT NOT NULL,
     hash TEXT, reason TEXT);
   CREATE TABLE last_healthy (name TEXT PRIMARY KEY, hash TEXT NOT NULL, spec TEXT NOT NULL,
     image_id TEXT, revision TEXT);
   CREATE TABLE failed_specs (name TEXT PRIMARY KEY, hash TEXT NOT NULL, reason TEXT NOT NULL,
     revision TEXT, at TEXT NOT NULL);
   CREATE TABLE crash_loops (name TEXT PRIMARY KEY, hash TEXT NOT NULL, deaths TEXT NOT NULL,
     since INTEGER NOT NULL);`,
  // 6: suspensions of the node or of one service (`mcp suspend`), until `mcp resume`
  `CREATE TABLE suspensions (scope TEXT NOT NULL, target TEXT NOT NULL, since TEXT NOT NULL,
     by_token TEXT NOT NULL, reason TEXT NOT NULL, PRIMARY KEY (scope, target));`,
  // 7: the last run of each job
  'CREATE TABLE job_runs (name TEXT PRIMARY KEY, run TEXT NOT NULL);',
];
