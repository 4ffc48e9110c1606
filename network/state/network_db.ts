import type { DatabaseSync } from "node:sqlite";
import { openDatabase } from "../../lib/sqlite/mod.ts";

/** protect-network's schema, one entry per version (lib/sqlite applies the pending ones). */
const MIGRATIONS = [
  `CREATE TABLE reservations (
     id TEXT PRIMARY KEY,
     zone_id TEXT NOT NULL,
     ipv4 TEXT NOT NULL UNIQUE,
     ipv6 TEXT NOT NULL UNIQUE,
     mac TEXT NOT NULL UNIQUE,
     retain INTEGER NOT NULL,
     created_at TEXT NOT NULL
   );
   CREATE UNIQUE INDEX reservations_zone ON reservations(zone_id) WHERE zone_id != '';`,
  `CREATE TABLE attachments (
     zone_id TEXT PRIMARY KEY,
     host_link TEXT NOT NULL UNIQUE,
     netns_pid INTEGER NOT NULL,
     vif TEXT NOT NULL,
     publish_json TEXT NOT NULL,
     isolated INTEGER NOT NULL,
     attached_at TEXT NOT NULL
   );`,
];

/** Opens (creating and migrating) network.db: reservations and zone attachments. */
export function openNetworkDatabase(path: string): DatabaseSync {
  return openDatabase(path, MIGRATIONS);
}
