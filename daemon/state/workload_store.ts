import type { DatabaseSync } from "node:sqlite";
import { Statements } from "../../lib/sqlite/mod.ts";
import { fromJsonString } from "@bufbuild/protobuf";
import { type WorkloadSpec, WorkloadSpecSchema, WorkloadState } from "../../proto/mod.ts";
import { NotFoundError } from "../../lib/errors/mod.ts";

/** What the daemon knows of one workload. Creation arrives with the zone agent. */
export interface WorkloadRecord {
  id: string;
  zoneId: string;
  name: string;
  spec: WorkloadSpec;
  state: WorkloadState;
  error: string;
  exitCode: number;
  createdAt: Date;
  startedAt?: Date;
  exitedAt?: Date;
}

interface WorkloadRow {
  id: string;
  zone_id: string;
  name: string;
  spec_json: string;
  state: string;
  error: string;
  exit_code: number;
  created_at: string;
  started_at: string | null;
  exited_at: string | null;
}

function fromRow(row: WorkloadRow): WorkloadRecord {
  return {
    id: row.id,
    zoneId: row.zone_id,
    name: row.name,
    spec: fromJsonString(WorkloadSpecSchema, row.spec_json),
    state: (WorkloadState[row.state as keyof typeof WorkloadState] ?? 0) as WorkloadState,
    error: row.error,
    exitCode: row.exit_code,
    createdAt: new Date(row.created_at),
    startedAt: row.started_at ? new Date(row.started_at) : undefined,
    exitedAt: row.exited_at ? new Date(row.exited_at) : undefined,
  };
}

/** Workload rows in SQLite (read side; the zone agent issue adds writers). */
export class WorkloadStore {
  private readonly sql: Statements;
  constructor(db: DatabaseSync) {
    this.sql = new Statements(db);
  }

  get(id: string): WorkloadRecord {
    const row = this.sql.get("SELECT * FROM workloads WHERE id = ?").get(id) as
      | WorkloadRow
      | undefined;
    if (!row) throw new NotFoundError(`workload ${id} not found`);
    return fromRow(row);
  }

  list(zoneId?: string): WorkloadRecord[] {
    const rows = zoneId
      ? this.sql.get("SELECT * FROM workloads WHERE zone_id = ? ORDER BY created_at").all(
        zoneId,
      )
      : this.sql.get("SELECT * FROM workloads ORDER BY created_at").all();
    return (rows as unknown[]).map((r) => fromRow(r as WorkloadRow));
  }

  count(): number {
    return (this.sql.get("SELECT count(*) AS n FROM workloads").get() as { n: number }).n;
  }
}
