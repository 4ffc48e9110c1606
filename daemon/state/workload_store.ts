import type { DatabaseSync } from "node:sqlite";
import { Statements } from "../../lib/sqlite/mod.ts";
import { fromJsonString } from "@bufbuild/protobuf";
import { type WorkloadSpec, WorkloadSpecSchema, WorkloadState } from "../../proto/mod.ts";
import { AlreadyExistsError, NotFoundError } from "../../lib/errors/mod.ts";
import { toJsonString } from "@bufbuild/protobuf";

/** What the daemon knows of one workload. Creation arrives with the zone agent. */
export interface WorkloadRecord {
  id: string;
  zoneId: string;
  name: string;
  spec: WorkloadSpec;
  state: WorkloadState;
  error: string;
  exitCode: number;
  /** "OOMKilled" when the OOM killer ended it; else "" (the API derives Completed/Error). */
  reason?: string;
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
  reason: string;
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
    reason: row.reason,
    createdAt: new Date(row.created_at),
    startedAt: row.started_at ? new Date(row.started_at) : undefined,
    exitedAt: row.exited_at ? new Date(row.exited_at) : undefined,
  };
}

const stateName = (s: WorkloadState) => String(WorkloadState[s]);
const iso = (d?: Date) => d?.toISOString() ?? null;

/** Workload rows in SQLite; states are stored by name so the file stays readable. */
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

  insert(w: WorkloadRecord): void {
    try {
      this.sql.get(
        `INSERT INTO workloads (id, zone_id, name, spec_json, desired, state, error, exit_code,
           created_at, started_at, exited_at) VALUES (?, ?, ?, ?, 'present', ?, ?, ?, ?, ?, ?)`,
      ).run(
        w.id,
        w.zoneId,
        w.name,
        toJsonString(WorkloadSpecSchema, w.spec),
        stateName(w.state),
        w.error,
        w.exitCode,
        w.createdAt.toISOString(),
        iso(w.startedAt),
        iso(w.exitedAt),
      );
    } catch (e) {
      if (/UNIQUE constraint failed/.test(String(e))) {
        throw new AlreadyExistsError(`a workload named "${w.name}" already exists in this zone`);
      }
      throw e;
    }
  }

  update(w: WorkloadRecord): void {
    this.sql.get(
      `UPDATE workloads SET state = ?, error = ?, exit_code = ?, reason = ?, started_at = ?,
         exited_at = ? WHERE id = ?`,
    ).run(
      stateName(w.state),
      w.error,
      w.exitCode,
      w.reason ?? "",
      iso(w.startedAt),
      iso(w.exitedAt),
      w.id,
    );
  }

  /** Replaces the workload's spec (its resources changed while it runs). */
  updateSpec(id: string, spec: WorkloadSpec): void {
    this.sql.get("UPDATE workloads SET spec_json = ? WHERE id = ?").run(
      toJsonString(WorkloadSpecSchema, spec),
      id,
    );
  }

  delete(id: string): void {
    this.sql.get("DELETE FROM workloads WHERE id = ?").run(id);
  }

  find(id: string): WorkloadRecord | undefined {
    const row = this.sql.get("SELECT * FROM workloads WHERE id = ?").get(id) as
      | WorkloadRow
      | undefined;
    return row && fromRow(row);
  }

  count(): number {
    return (this.sql.get("SELECT count(*) AS n FROM workloads").get() as { n: number }).n;
  }
}
