import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { timestampNow } from "@bufbuild/protobuf/wkt";
import {
  WorkloadStatsReportSchema,
  WorkloadStatsRequestSchema,
} from "../../proto/gen/protect/idm/v1/idm_pb.ts";
import { WorkloadState, type WorkloadStats, WorkloadStatsSchema } from "../../proto/mod.ts";
import type { Logger } from "../../lib/log/mod.ts";
import type { HypervisorDriver } from "../hypervisor/mod.ts";
import type { WorkloadStore } from "../state/mod.ts";

/** How long a zone may take to measure its workloads. */
const STATS_TIMEOUT_MS = 10_000;

/**
 * Resource use of running workloads, asked of their zones (`workload.stats`), one request
 * per zone. A zone's answer is untrusted: only workloads asked of that zone are kept, once.
 * `ids` empty: every running workload.
 */
export async function readWorkloadStats(
  deps: { workloads: WorkloadStore; driver: HypervisorDriver; log: Logger },
  ids: string[],
): Promise<WorkloadStats[]> {
  const chosen = ids.length ? ids.map((id) => deps.workloads.get(id)) : deps.workloads.list();
  const byZone = new Map<string, Set<string>>();
  for (const w of chosen) {
    if (w.state !== WorkloadState.RUNNING) continue;
    byZone.set(w.zoneId, (byZone.get(w.zoneId) ?? new Set()).add(w.id));
  }
  const answers = await Promise.all([...byZone].map(async ([zoneId, asked]) => {
    const peer = await deps.driver.channel!(zoneId);
    const request = create(WorkloadStatsRequestSchema, { workloadIds: [...asked] });
    const payload = await peer.request(
      "workload.stats",
      toBinary(WorkloadStatsRequestSchema, request),
      STATS_TIMEOUT_MS,
    );
    const report = fromBinary(WorkloadStatsReportSchema, payload);
    const sampledAt = timestampNow();
    return report.stats.flatMap((s) => {
      if (!asked.delete(s.workloadId)) {
        deps.log.warn("zone reported stats for a workload it was not asked about", {
          zone: zoneId,
        });
        return [];
      }
      return [create(WorkloadStatsSchema, {
        workloadId: s.workloadId,
        cpuUsageNs: s.cpuUsageNs,
        memoryUsageBytes: s.memoryUsageBytes,
        memoryWorkingSetBytes: s.memoryWorkingSetBytes,
        writableLayerBytes: s.writableLayerBytes,
        writableLayerInodes: s.writableLayerInodes,
        sampledAt,
      })];
    });
  }));
  return answers.flat();
}
