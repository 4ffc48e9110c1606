import type { DatabaseSync } from "node:sqlite";
import { openDatabase as open } from "../../lib/sqlite/mod.ts";
import { MIGRATIONS } from "./migrations.ts";

/** The daemon's state database at `path`, migrated to the current schema. */
export function openDatabase(path: string): DatabaseSync {
  return open(path, MIGRATIONS);
}
