import { DatabaseSync } from "node:sqlite";
import { InternalError } from "../../lib/errors/mod.ts";
import { MIGRATIONS } from "./migrations.ts";

/**
 * Opens the state database: WAL so readers never block the reconciler's
 * writes, foreign keys on, and every pending migration applied in one
 * transaction each.
 */
export function openDatabase(path: string): DatabaseSync {
  const db = new DatabaseSync(path);
  db.exec("PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;");
  migrate(db);
  return db;
}

function migrate(db: DatabaseSync): void {
  const { user_version: current } = db.prepare("PRAGMA user_version").get() as {
    user_version: number;
  };
  if (current > MIGRATIONS.length) {
    throw new InternalError(
      `state database schema version ${current} is newer than this daemon knows ` +
        `(${MIGRATIONS.length}); refusing to touch it — run a newer protect-daemon`,
    );
  }
  for (let version = current; version < MIGRATIONS.length; version++) {
    db.exec("BEGIN");
    try {
      db.exec(MIGRATIONS[version]);
      db.exec(`PRAGMA user_version = ${version + 1}`);
      db.exec("COMMIT");
    } catch (e) {
      db.exec("ROLLBACK");
      throw new InternalError(`schema migration ${version + 1} failed: ${(e as Error).message}`);
    }
  }
}

/** Runs `fn` in a transaction, rolling back if it throws. */
export function inTransaction<T>(db: DatabaseSync, fn: () => T): T {
  db.exec("BEGIN IMMEDIATE");
  try {
    const result = fn();
    db.exec("COMMIT");
    return result;
  } catch (e) {
    db.exec("ROLLBACK");
    throw e;
  }
}
