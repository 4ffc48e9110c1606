import type { DatabaseSync } from "node:sqlite";
import { fromJsonString, toJsonString } from "@bufbuild/protobuf";
import {
  type ContainerConfig,
  ContainerConfigSchema,
  type PodSandboxConfig,
  PodSandboxConfigSchema,
} from "../../proto/gen/k8s.io/cri-api/pkg/apis/runtime/v1/api_pb.ts";
import { openDatabase, Statements } from "../../lib/sqlite/mod.ts";

/**
 * What protect-cri keeps of its own: the CRI's view of pods and containers (their IDs,
 * configs, log paths), mapped to the daemon's zones and workloads. The daemon owns the
 * zones and workloads; this never duplicates their state, except a container's last
 * status once its workload is gone with its pod's zone.
 */
const MIGRATIONS = [
  `CREATE TABLE pods (
     id TEXT PRIMARY KEY,
     zone_id TEXT NOT NULL,
     config_json TEXT NOT NULL,
     ready INTEGER NOT NULL,
     runtime_handler TEXT NOT NULL,
     created_ns TEXT NOT NULL
   );
   CREATE TABLE containers (
     id TEXT PRIMARY KEY,
     pod_id TEXT NOT NULL REFERENCES pods(id) ON DELETE CASCADE,
     workload_id TEXT NOT NULL,
     config_json TEXT NOT NULL,
     image_ref TEXT NOT NULL,
     log_path TEXT NOT NULL,
     created_ns TEXT NOT NULL,
     final_json TEXT,
     logged_bytes INTEGER NOT NULL DEFAULT 0,
     log_done INTEGER NOT NULL DEFAULT 0
   );`,
];

export interface PodRecord {
  /** 64 hex characters. */
  id: string;
  zoneId: string;
  config: PodSandboxConfig;
  ready: boolean;
  runtimeHandler: string;
  createdNs: bigint;
}

/** A container's status as last seen, kept once its workload went with the zone. */
export interface FinalStatus {
  exited: boolean;
  exitCode: number;
  reason: string;
  message: string;
  startedNs: string;
  finishedNs: string;
}

export interface ContainerRecord {
  /** 64 hex characters. */
  id: string;
  podId: string;
  workloadId: string;
  config: ContainerConfig;
  /** The image reference as the daemon resolved it. */
  imageRef: string;
  /** Where kubelet reads the container's log (pod log directory + config.log_path); "" for none. */
  logPath: string;
  createdNs: bigint;
  final?: FinalStatus;
  /** How much of the workload's output is in the log file already (replays skip it). */
  loggedBytes: number;
  /** The workload's output ended and is all in the file. */
  logDone: boolean;
}

interface PodRow {
  id: string;
  zone_id: string;
  config_json: string;
  ready: number;
  runtime_handler: string;
  created_ns: string;
}

interface ContainerRow {
  id: string;
  pod_id: string;
  workload_id: string;
  config_json: string;
  image_ref: string;
  log_path: string;
  created_ns: string;
  final_json: string | null;
  logged_bytes: number;
  log_done: number;
}

const podFromRow = (r: PodRow): PodRecord => ({
  id: r.id,
  zoneId: r.zone_id,
  config: fromJsonString(PodSandboxConfigSchema, r.config_json),
  ready: r.ready === 1,
  runtimeHandler: r.runtime_handler,
  createdNs: BigInt(r.created_ns),
});

const containerFromRow = (r: ContainerRow): ContainerRecord => ({
  id: r.id,
  podId: r.pod_id,
  workloadId: r.workload_id,
  config: fromJsonString(ContainerConfigSchema, r.config_json),
  imageRef: r.image_ref,
  logPath: r.log_path,
  createdNs: BigInt(r.created_ns),
  final: r.final_json ? JSON.parse(r.final_json) as FinalStatus : undefined,
  loggedBytes: r.logged_bytes,
  logDone: r.log_done === 1,
});

/** Pods and containers in SQLite (`cri.db`). */
export class CriStore {
  readonly db: DatabaseSync;
  readonly #sql: Statements;

  constructor(path: string) {
    this.db = openDatabase(path, MIGRATIONS);
    this.#sql = new Statements(this.db);
  }

  insertPod(p: PodRecord): void {
    this.#sql.get(
      `INSERT INTO pods (id, zone_id, config_json, ready, runtime_handler, created_ns)
       VALUES (?, ?, ?, ?, ?, ?)`,
    ).run(
      p.id,
      p.zoneId,
      toJsonString(PodSandboxConfigSchema, p.config),
      p.ready ? 1 : 0,
      p.runtimeHandler,
      String(p.createdNs),
    );
  }

  setPodReady(id: string, ready: boolean): void {
    this.#sql.get("UPDATE pods SET ready = ? WHERE id = ?").run(ready ? 1 : 0, id);
  }

  pods(): PodRecord[] {
    return (this.#sql.get("SELECT * FROM pods ORDER BY created_ns").all() as unknown[])
      .map((r) => podFromRow(r as PodRow));
  }

  deletePod(id: string): void {
    this.#sql.get("DELETE FROM pods WHERE id = ?").run(id);
  }

  insertContainer(c: ContainerRecord): void {
    this.#sql.get(
      `INSERT INTO containers (id, pod_id, workload_id, config_json, image_ref, log_path,
         created_ns, final_json) VALUES (?, ?, ?, ?, ?, ?, ?, NULL)`,
    ).run(
      c.id,
      c.podId,
      c.workloadId,
      toJsonString(ContainerConfigSchema, c.config),
      c.imageRef,
      c.logPath,
      String(c.createdNs),
    );
  }

  setFinal(id: string, final: FinalStatus): void {
    this.#sql.get("UPDATE containers SET final_json = ? WHERE id = ?").run(
      JSON.stringify(final),
      id,
    );
  }

  setLogged(id: string, bytes: number, done: boolean): void {
    this.#sql.get("UPDATE containers SET logged_bytes = ?, log_done = ? WHERE id = ?").run(
      bytes,
      done ? 1 : 0,
      id,
    );
  }

  containers(podId?: string): ContainerRecord[] {
    const rows = podId
      ? this.#sql.get("SELECT * FROM containers WHERE pod_id = ? ORDER BY created_ns").all(podId)
      : this.#sql.get("SELECT * FROM containers ORDER BY created_ns").all();
    return (rows as unknown[]).map((r) => containerFromRow(r as ContainerRow));
  }

  deleteContainer(id: string): void {
    this.#sql.get("DELETE FROM containers WHERE id = ?").run(id);
  }

  close(): void {
    this.db.close();
  }
}
