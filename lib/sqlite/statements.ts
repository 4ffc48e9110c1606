import type { DatabaseSync, StatementSync } from "node:sqlite";

/**
 * Prepared statements, compiled once per SQL text. Preparing on every call
 * was the largest single cost of a GetZone RPC.
 */
export class Statements {
  #cache = new Map<string, StatementSync>();
  constructor(private readonly db: DatabaseSync) {}

  get(sql: string): StatementSync {
    let statement = this.#cache.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.#cache.set(sql, statement);
    }
    return statement;
  }
}
