import type { DatabaseSync } from "node:sqlite";
import { inTransaction, Statements } from "../../lib/sqlite/mod.ts";
import { AlreadyExistsError, InvalidArgumentError, NotFoundError } from "../../lib/errors/mod.ts";
import { AddressPool } from "../ipam/mod.ts";
import { isLocalUnicastMac, randomMac } from "../../lib/mac/mod.ts";

export interface ReservationRecord {
  id: string;
  zoneId: string;
  ipv4: string;
  ipv6: string;
  mac: string;
  retain: boolean;
  createdAt: Date;
}

export interface ReservationRequest {
  zoneId: string;
  ipv4?: string;
  ipv6?: string;
  retain?: boolean;
  /** A specific MAC; empty or absent = a random one. */
  mac?: string;
}

interface Row {
  id: string;
  zone_id: string;
  ipv4: string;
  ipv6: string;
  mac: string;
  retain: number;
  created_at: string;
}

const ZONE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const toRecord = (r: Row): ReservationRecord => ({
  id: r.id,
  zoneId: r.zone_id,
  ipv4: r.ipv4,
  ipv6: r.ipv6,
  mac: r.mac,
  retain: r.retain === 1,
  createdAt: new Date(r.created_at),
});

/**
 * Address reservations, persisted in SQLite so a zone keeps its addresses across
 * restarts: one per zone (IPv4 + IPv6 + MAC), or standalone. Allocation and the
 * insert happen in one transaction, so two requests never get the same address.
 */
export class Reservations {
  readonly #db: DatabaseSync;
  readonly #sql: Statements;

  constructor(db: DatabaseSync, readonly v4: AddressPool, readonly v6: AddressPool) {
    this.#db = db;
    this.#sql = new Statements(db);
  }

  /** The zone's reservation, if it holds one. */
  findZone(zoneId: string): ReservationRecord | undefined {
    const row = this.#sql.get("SELECT * FROM reservations WHERE zone_id = ?").get(zoneId) as
      | Row
      | undefined;
    return row ? toRecord(row) : undefined;
  }

  /** The zone's reservation, made now if it holds none. */
  ensureZone(zoneId: string): ReservationRecord {
    return this.findZone(zoneId) ?? this.create({ zoneId });
  }

  create(request: ReservationRequest): ReservationRecord {
    if (request.zoneId && !ZONE_ID.test(request.zoneId)) {
      throw new InvalidArgumentError("zone_id", "must be a zone ID (UUID) or empty");
    }
    if (request.mac && !isLocalUnicastMac(request.mac)) {
      throw new InvalidArgumentError(
        "mac",
        "must be a lowercase, locally administered unicast MAC (like 02:00:00:00:00:01) or empty",
      );
    }
    return inTransaction(this.#db, () => {
      if (request.zoneId) {
        const held = this.#sql.get("SELECT * FROM reservations WHERE zone_id = ?")
          .get(request.zoneId) as Row | undefined;
        if (held) {
          throw new AlreadyExistsError(
            `zone ${request.zoneId} already holds reservation ${held.id} (${held.ipv4}, ${held.ipv6})`,
          );
        }
      }
      const rows = this.#rows();
      const ipv4 = this.v4.allocate(new Set(rows.map((r) => r.ipv4)), request.ipv4 || undefined);
      const ipv6 = this.v6.allocate(new Set(rows.map((r) => r.ipv6)), request.ipv6 || undefined);
      const macs = new Set(rows.map((r) => r.mac));
      if (request.mac && macs.has(request.mac)) {
        throw new AlreadyExistsError(`MAC ${request.mac} is held by another reservation`);
      }
      let mac = request.mac || randomMac();
      while (macs.has(mac)) mac = randomMac();
      const record: ReservationRecord = {
        id: crypto.randomUUID(),
        zoneId: request.zoneId,
        ipv4,
        ipv6,
        mac,
        retain: request.retain ?? false,
        createdAt: new Date(),
      };
      this.#sql.get("INSERT INTO reservations VALUES (?, ?, ?, ?, ?, ?, ?)").run(
        record.id,
        record.zoneId,
        record.ipv4,
        record.ipv6,
        record.mac,
        record.retain ? 1 : 0,
        record.createdAt.toISOString(),
      );
      return record;
    });
  }

  destroy(id: string): void {
    const { changes } = this.#sql.get("DELETE FROM reservations WHERE id = ?").run(id);
    if (changes === 0) throw new NotFoundError(`no network reservation ${id}`);
  }

  /** Drops the zone's reservation unless it is retained; returns what was released. */
  releaseZone(zoneId: string): string | undefined {
    const row = this.#sql.get("SELECT * FROM reservations WHERE zone_id = ? AND retain = 0")
      .get(zoneId) as Row | undefined;
    if (!row) return undefined;
    this.#sql.get("DELETE FROM reservations WHERE id = ?").run(row.id);
    return row.id;
  }

  list(): ReservationRecord[] {
    return this.#rows().map(toRecord);
  }

  #rows(): Row[] {
    // rowid breaks ties within a millisecond in creation order (the id is random).
    return this.#sql.get("SELECT * FROM reservations ORDER BY created_at, rowid")
      .all() as unknown as Row[];
  }
}
