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
];
