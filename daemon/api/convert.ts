import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  type Workload,
  WorkloadSchema,
  WorkloadState,
  WorkloadStatusSchema,
  type Zone,
  ZoneSchema,
  ZoneStatusSchema,
} from "../../proto/mod.ts";
import type { WorkloadRecord, ZoneRecord } from "../state/mod.ts";

const ts = (d?: Date) => d && timestampFromDate(d);

/** A stored zone as the API shows it. */
export function zoneToProto(zone: ZoneRecord): Zone {
  return create(ZoneSchema, {
    id: zone.id,
    spec: zone.spec,
    status: create(ZoneStatusSchema, {
      state: zone.state,
      error: zone.error,
      createdAt: ts(zone.createdAt),
      readyAt: ts(zone.readyAt),
      exitedAt: ts(zone.exitedAt),
      driver: zone.driver,
      domainId: zone.domainId,
      backend: zone.backend,
      exitCode: zone.exitCode,
      ipv4: zone.ipv4,
      ipv6: zone.ipv6,
      fromPool: zone.fromPool ?? false,
    }),
  });
}

/** A stored workload as the API shows it. */
export function workloadToProto(w: WorkloadRecord): Workload {
  return create(WorkloadSchema, {
    id: w.id,
    zoneId: w.zoneId,
    spec: w.spec,
    status: create(WorkloadStatusSchema, {
      state: w.state,
      error: w.error,
      exitCode: w.exitCode,
      createdAt: ts(w.createdAt),
      startedAt: ts(w.startedAt),
      exitedAt: ts(w.exitedAt),
      reason: endReason(w),
    }),
  });
}

/** Why an ended workload ended, in Kubernetes' words; "" while it lives. */
function endReason(w: WorkloadRecord): string {
  if (w.reason) return w.reason;
  if (w.state === WorkloadState.COMPLETED) return w.exitCode === 0 ? "Completed" : "Error";
  return w.state === WorkloadState.FAILED ? "Error" : "";
}
