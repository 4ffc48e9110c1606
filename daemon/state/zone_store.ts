import type { DatabaseSync } from "node:sqlite";
import { Statements } from "../../lib/sqlite/mod.ts";
import { fromJsonString, toJsonString } from "@bufbuild/protobuf";
import { HypervisorBackend, type ZoneSpec, ZoneSpecSchema, ZoneState } from "../../proto/mod.ts";
import { AlreadyExistsError, NotFoundError } from "../../lib/errors/mod.ts";

/** What the daemon knows and wants of one zone. */
export interface ZoneRecord {
  id: string;
  name: string;
  spec: ZoneSpec;
  /** The operator's intent; the reconciler moves `state` towards it. */
  desired: "present" | "absent";
  state: ZoneState;
  error: string;
  driver: string;
  domainId: number;
  backend: HypervisorBackend;
  exitCode: number;
  createdAt: Date;
  readyAt?: Date;
  exitedAt?: Date;
  /** Addresses from protect-network; "" without a network. */
  ipv4: string;
  ipv6: string;
  /** A warm-pool zone that a CreateZone claimed (name and spec are the claimant's). */
  fromPool?: boolean;
}

interface ZoneRow {
  id: string;
  name: string;
  spec_json: string;
  desired: string;
  state: string;
  error: string;
  driver: string;
  domain_id: number;
  backend: string;
  exit_code: number;
  created_at: string;
  ready_at: string | null;
  exited_at: string | null;
  ipv4: string;
  ipv6: string;
  from_pool: number;
}

const enumName = (e: Record<string, string | number>, v: number) => String(e[v]);
const enumValue = <T>(e: Record<string, string | number>, name: string): T => (e[name] ?? 0) as T;

function fromRow(row: ZoneRow): ZoneRecord {
  return {
    id: row.id,
    name: row.name,
    spec: fromJsonString(ZoneSpecSchema, row.spec_json),
    desired: row.desired as ZoneRecord["desired"],
    state: enumValue<ZoneState>(ZoneState, row.state),
    error: row.error,
    driver: row.driver,
    domainId: row.domain_id,
    backend: enumValue<HypervisorBackend>(HypervisorBackend, row.backend),
    exitCode: row.exit_code,
    createdAt: new Date(row.created_at),
    readyAt: row.ready_at ? new Date(row.ready_at) : undefined,
    exitedAt: row.exited_at ? new Date(row.exited_at) : undefined,
    ipv4: row.ipv4,
    ipv6: row.ipv6,
    fromPool: row.from_pool === 1,
  };
}

/** Zone rows in SQLite; states are stored by name so the file stays readable. */
export class ZoneStore {
  private readonly sql: Statements;
  constructor(db: DatabaseSync) {
    this.sql = new Statements(db);
  }

  insert(zone: ZoneRecord): void {
    try {
      this.sql.get(
        `INSERT INTO zones (id, name, spec_json, desired, state, error, driver, domain_id,
           backend, exit_code, created_at, ready_at, exited_at, ipv4, ipv6, from_pool)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        zone.id,
        zone.name,
        toJsonString(ZoneSpecSchema, zone.spec),
        zone.desired,
        enumName(ZoneState, zone.state),
        zone.error,
        zone.driver,
        zone.domainId,
        enumName(HypervisorBackend, zone.backend),
        zone.exitCode,
        zone.createdAt.toISOString(),
        zone.readyAt?.toISOString() ?? null,
        zone.exitedAt?.toISOString() ?? null,
        zone.ipv4,
        zone.ipv6,
        zone.fromPool ? 1 : 0,
      );
    } catch (e) {
      throw nameTaken(e, zone.name);
    }
  }

  /** Writes the mutable fields of `zone` back (the name changes when a pool zone is claimed). */
  update(zone: ZoneRecord): void {
    try {
      this.#update(zone);
    } catch (e) {
      throw nameTaken(e, zone.name);
    }
  }

  #update(zone: ZoneRecord): void {
    this.sql.get(
      `UPDATE zones SET name = ?, spec_json = ?, desired = ?, state = ?, error = ?,
         domain_id = ?, backend = ?, exit_code = ?, created_at = ?, ready_at = ?, exited_at = ?,
         ipv4 = ?, ipv6 = ?, from_pool = ?
       WHERE id = ?`,
    ).run(
      zone.name,
      toJsonString(ZoneSpecSchema, zone.spec),
      zone.desired,
      enumName(ZoneState, zone.state),
      zone.error,
      zone.domainId,
      enumName(HypervisorBackend, zone.backend),
      zone.exitCode,
      zone.createdAt.toISOString(),
      zone.readyAt?.toISOString() ?? null,
      zone.exitedAt?.toISOString() ?? null,
      zone.ipv4,
      zone.ipv6,
      zone.fromPool ? 1 : 0,
      zone.id,
    );
  }

  delete(id: string): void {
    this.sql.get("DELETE FROM zones WHERE id = ?").run(id);
  }

  find(id: string): ZoneRecord | undefined {
    const row = this.sql.get("SELECT * FROM zones WHERE id = ?").get(id) as
      | ZoneRow
      | undefined;
    return row && fromRow(row);
  }

  get(id: string): ZoneRecord {
    const zone = this.find(id);
    if (!zone) throw new NotFoundError(`zone ${id} not found`);
    return zone;
  }

  findByName(name: string): ZoneRecord | undefined {
    const row = this.sql.get("SELECT * FROM zones WHERE name = ?").get(name) as
      | ZoneRow
      | undefined;
    return row && fromRow(row);
  }

  /** A zone by ID or name (what users may type anywhere). */
  resolve(ref: string): ZoneRecord {
    const zone = this.find(ref) ?? this.findByName(ref);
    if (!zone) throw new NotFoundError(`no zone named "${ref}"`);
    return zone;
  }

  list(): ZoneRecord[] {
    return (this.sql.get("SELECT * FROM zones ORDER BY created_at, name").all() as unknown[])
      .map((r) => fromRow(r as ZoneRow));
  }
}

/** A taken name as AlreadyExists; any other error as it is. */
function nameTaken(e: unknown, name: string): unknown {
  return /UNIQUE constraint failed: zones.name/.test(String(e))
    ? new AlreadyExistsError(`a zone named "${name}" already exists`)
    : e;
}
