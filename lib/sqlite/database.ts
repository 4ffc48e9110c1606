import { DatabaseSync } from "node:sqlite";
import { InternalError } from "../errors/mod.ts";

/**
 * Opens a SQLite database: WAL so readers never block writers, foreign keys
 * on, and every pending migration applied in one transaction each. PRAGMA
 * user_version records how many have run; a newer database is refused.
 */
export function openDatabase(path: string, migrations: readonly string[]): DatabaseSync {
  const db = new DatabaseSync(path);
  db.exec("PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;");
  const { user_version: current } = db.prepare("PRAGMA user_version").get() as {
    user_version: number;
  };
  if (current > migrations.length) {
    db.close();
    throw new InternalError(
      `${path}: schema version ${current} is newer than this program knows ` +
        `(${migrations.length}); refusing to touch it — run a newer protect`,
    );
  }
  for (let version = current; version < migrations.length; version++) {
    db.exec("BEGIN");
    try {
      db.exec(migrations[version]);
      db.exec(`PRAGMA user_version = ${version + 1}`);
      db.exec("COMMIT");
    } catch (e) {
      db.exec("ROLLBACK");
      db.close();
      throw new InternalError(
        `${path}: schema migration ${version + 1} failed: ${(e as Error).message}`,
      );
    }
  }
  return db;
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
