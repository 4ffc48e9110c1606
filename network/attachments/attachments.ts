import type { DatabaseSync } from "node:sqlite";
import { Statements } from "../../lib/sqlite/mod.ts";

export type Protocol = "tcp" | "udp";

export interface PublishedPort {
  hostPort: number;
  zonePort: number;
  protocol: Protocol;
}

/** A zone connected to the host: what protect-network keeps so it can rebuild links and rules. */
export interface Attachment {
  zoneId: string;
  /** The host-side link (veth end or vif). */
  hostLink: string;
  /** Process driver: the PID whose network namespace holds the zone's end; 0 on Xen. */
  netnsPid: number;
  /** Xen: the vif the toolstack made; "" for the process driver. */
  vif: string;
  publish: PublishedPort[];
  isolated: boolean;
  attachedAt: Date;
}

interface Row {
  zone_id: string;
  host_link: string;
  netns_pid: number;
  vif: string;
  publish_json: string;
  isolated: number;
  attached_at: string;
}

const toAttachment = (r: Row): Attachment => ({
  zoneId: r.zone_id,
  hostLink: r.host_link,
  netnsPid: r.netns_pid,
  vif: r.vif,
  publish: JSON.parse(r.publish_json),
  isolated: r.isolated === 1,
  attachedAt: new Date(r.attached_at),
});

/** Attached zones in network.db: the desired state the link and rule reconciler works from. */
export class Attachments {
  readonly #sql: Statements;

  constructor(db: DatabaseSync) {
    this.#sql = new Statements(db);
  }

  /** Inserts or replaces the zone's attachment. */
  put(a: Attachment): void {
    this.#sql.get("INSERT OR REPLACE INTO attachments VALUES (?, ?, ?, ?, ?, ?, ?)").run(
      a.zoneId,
      a.hostLink,
      a.netnsPid,
      a.vif,
      JSON.stringify(a.publish),
      a.isolated ? 1 : 0,
      a.attachedAt.toISOString(),
    );
  }

  find(zoneId: string): Attachment | undefined {
    const row = this.#sql.get("SELECT * FROM attachments WHERE zone_id = ?").get(zoneId) as
      | Row
      | undefined;
    return row ? toAttachment(row) : undefined;
  }

  /** Removes it; true if there was one. */
  remove(zoneId: string): boolean {
    return this.#sql.get("DELETE FROM attachments WHERE zone_id = ?").run(zoneId).changes > 0;
  }

  list(): Attachment[] {
    const rows = this.#sql.get("SELECT * FROM attachments ORDER BY attached_at, zone_id").all();
    return (rows as unknown as Row[]).map(toAttachment);
  }
}
