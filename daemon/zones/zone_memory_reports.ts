import { create, fromBinary } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { ZoneMemoryReportSchema } from "../../proto/gen/protect/idm/v1/idm_pb.ts";
import { type ZoneMemoryPressure, ZoneMemoryPressureSchema } from "../../proto/mod.ts";
import type { IdmPeer } from "../../lib/idm/mod.ts";
import type { Logger } from "../../lib/log/mod.ts";

/** Larger than any zone (1 TiB): a figure above it is the guest lying. */
const MAX_BYTES = 1n << 40n;

/**
 * The last "zone.memory" report of each zone's agent, for the memory policy (through
 * ReadHostMetrics). The guest is untrusted: a report that does not add up is dropped and
 * logged, never stored.
 */
export class ZoneMemoryReports {
  readonly #reports = new Map<string, ZoneMemoryPressure>();

  constructor(private readonly log: Logger) {}

  /** Listens on a zone's IDM peer (each new connection of the zone). */
  attach(zoneId: string, peer: IdmPeer): void {
    peer.onEvent("zone.memory", (payload) => {
      const r = fromBinary(ZoneMemoryReportSchema, payload);
      const problem = r.memoryTotalBytes === 0n || r.memoryTotalBytes > MAX_BYTES
        ? "memory_total_bytes out of range"
        : r.memoryAvailableBytes > r.memoryTotalBytes
        ? "memory_available_bytes above the total"
        : ![r.pressureSomeAvg10, r.pressureFullAvg10].every((p) => p >= 0 && p <= 100)
        ? "pressure outside 0-100"
        : undefined;
      if (problem) {
        return this.log.warn("dropped a zone memory report", { zone: zoneId, problem });
      }
      this.#reports.set(
        zoneId,
        create(ZoneMemoryPressureSchema, {
          memoryTotalBytes: r.memoryTotalBytes,
          memoryAvailableBytes: r.memoryAvailableBytes,
          pressureSomeAvg10: r.pressureSomeAvg10,
          pressureFullAvg10: r.pressureFullAvg10,
          reportedAt: timestampFromDate(new Date()),
        }),
      );
    });
  }

  get(zoneId: string): ZoneMemoryPressure | undefined {
    return this.#reports.get(zoneId);
  }

  forget(zoneId: string): void {
    this.#reports.delete(zoneId);
  }
}
