import type { DatabaseSync } from "node:sqlite";
import { Statements } from "../../lib/sqlite/mod.ts";

/** One persisted state change, for post-mortems of zones that are gone. */
export interface LoggedEvent {
  seq: number;
  at: Date;
  kind: "zone" | "workload";
  subjectId: string;
  state: string;
  message: string;
}

/** Keeps the newest events only, so the table cannot grow without bound. */
const MAX_EVENTS = 10_000;

export class EventLog {
  #appended = 0;
  private readonly sql: Statements;
  constructor(db: DatabaseSync) {
    this.sql = new Statements(db);
  }

  append(kind: LoggedEvent["kind"], subjectId: string, state: string, message = ""): void {
    this.sql.get(
      "INSERT INTO events (at, kind, subject_id, state, message) VALUES (?, ?, ?, ?, ?)",
    ).run(new Date().toISOString(), kind, subjectId, state, message);
    // Prune now and then rather than on every insert.
    if (++this.#appended % 500 === 0) {
      this.sql.get("DELETE FROM events WHERE seq <= (SELECT max(seq) FROM events) - ?")
        .run(MAX_EVENTS);
    }
  }

  forSubject(subjectId: string): LoggedEvent[] {
    const rows = this.sql.get(
      "SELECT * FROM events WHERE subject_id = ? ORDER BY seq",
    ).all(subjectId) as Array<Record<string, string | number>>;
    return rows.map((r) => ({
      seq: Number(r.seq),
      at: new Date(String(r.at)),
      kind: r.kind as LoggedEvent["kind"],
      subjectId: String(r.subject_id),
      state: String(r.state),
      message: String(r.message),
    }));
  }
}
