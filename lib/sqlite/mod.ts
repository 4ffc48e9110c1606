/** SQLite (node:sqlite) with migrations and cached prepared statements. */
export { inTransaction, openDatabase } from "./database.ts";
export { Statements } from "./statements.ts";
