/**
 * Schema migrations, applied in order; PRAGMA user_version records how many
 * have run. Append only: never edit a migration that has shipped.
 */
export const MIGRATIONS: readonly string[] = [
  `CREATE TABLE zones (
     id TEXT PRIMARY KEY,
     name TEXT NOT NULL UNIQUE,
     spec_json TEXT NOT NULL,
     desired TEXT NOT NULL CHECK (desired IN ('present', 'absent')),
     state TEXT NOT NULL,
     error TEXT NOT NULL DEFAULT '',
     driver TEXT NOT NULL,
     domain_id INTEGER NOT NULL DEFAULT 0,
     backend TEXT NOT NULL DEFAULT '',
     exit_code INTEGER NOT NULL DEFAULT 0,
     created_at TEXT NOT NULL,
     ready_at TEXT,
     exited_at TEXT
   );
   CREATE TABLE workloads (
     id TEXT PRIMARY KEY,
     zone_id TEXT NOT NULL REFERENCES zones(id) ON DELETE CASCADE,
     name TEXT NOT NULL,
     spec_json TEXT NOT NULL,
     desired TEXT NOT NULL,
     state TEXT NOT NULL,
     error TEXT NOT NULL DEFAULT '',
     exit_code INTEGER NOT NULL DEFAULT 0,
     created_at TEXT NOT NULL,
     started_at TEXT,
     exited_at TEXT,
     UNIQUE (zone_id, name)
   );
   CREATE TABLE events (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     at TEXT NOT NULL,
     kind TEXT NOT NULL,
     subject_id TEXT NOT NULL,
     state TEXT NOT NULL,
     message TEXT NOT NULL DEFAULT ''
   );
   CREATE INDEX events_subject ON events(subject_id, seq);`,
  // protect-network's addresses for the zone, shown in status.
  `ALTER TABLE zones ADD COLUMN ipv4 TEXT NOT NULL DEFAULT '';
   ALTER TABLE zones ADD COLUMN ipv6 TEXT NOT NULL DEFAULT '';`,
  // "OOMKilled" when the zone reported the OOM killer ended the workload.
  `ALTER TABLE workloads ADD COLUMN reason TEXT NOT NULL DEFAULT '';`,
  // 1 once a warm-pool zone was claimed (its name and spec replaced by the claimant's).
  `ALTER TABLE zones ADD COLUMN from_pool INTEGER NOT NULL DEFAULT 0;`,
];
