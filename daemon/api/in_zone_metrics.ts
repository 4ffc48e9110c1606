import { create, fromBinary } from "@bufbuild/protobuf";
import { timestampNow } from "@bufbuild/protobuf/wkt";
import { ZoneMetricsReportSchema } from "../../proto/gen/protect/idm/v1/idm_pb.ts";
import { type ZoneMetrics, ZoneMetricsSchema } from "../../proto/mod.ts";
import { FailedPreconditionError } from "../../lib/errors/mod.ts";
import type { HypervisorDriver } from "../hypervisor/mod.ts";

/** Asks a zone's agent for its memory, CPU and process figures over IDM. */
export async function askZoneMetrics(
  driver: HypervisorDriver,
  zoneId: string,
  timeoutMs: number,
): Promise<ZoneMetrics> {
  if (!driver.channel) {
    throw new FailedPreconditionError(`the ${driver.name} driver has no zone agent to ask`);
  }
  const peer = await driver.channel(zoneId);
  const report = fromBinary(
    ZoneMetricsReportSchema,
    await peer.request("metrics", new Uint8Array(), timeoutMs),
  );
  // The report comes from the guest: a used figure above the total is the guest's error, not
  // a reason to wrap around.
  const available = report.memoryAvailableBytes > report.memoryTotalBytes
    ? report.memoryTotalBytes
    : report.memoryAvailableBytes;
  return create(ZoneMetricsSchema, {
    memoryTotalBytes: report.memoryTotalBytes,
    memoryUsedBytes: report.memoryTotalBytes - available,
    cpuPercent: report.cpuBusyPercent,
    processCount: report.processCount,
    sampledAt: timestampNow(),
  });
}
