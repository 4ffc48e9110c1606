import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import { cpus, freemem, hostname, totalmem } from "node:os";
import {
  type ControlService,
  GetHostCpuTopologyResponseSchema,
  GetHostStatusResponseSchema,
  HostCpuSchema,
} from "../../proto/mod.ts";
import { PROTECT_VERSION } from "../../lib/version/mod.ts";
import type { ApiContext } from "./context.ts";

/** Host RPCs that work on every driver. */
export function hostHandlers(ctx: ApiContext): Partial<ServiceImpl<typeof ControlService>> {
  return {
    async getHostStatus() {
      return create(GetHostStatusResponseSchema, {
        hostUuid: ctx.hostUuid,
        hostname: hostname(),
        version: PROTECT_VERSION,
        hypervisor: {
          driver: ctx.driver.name,
          version: await ctx.driver.version(),
          hardwareIsolation: ctx.driver.hardwareIsolation,
        },
        totalMemoryBytes: BigInt(totalmem()),
        freeMemoryBytes: BigInt(freemem()),
        zoneCount: ctx.zones.store.list().length,
        workloadCount: ctx.workloads.count(),
        startedAt: timestampFromDate(ctx.startedAt),
      });
    },

    // Without Xen this is dom0's view; the Xen driver will report physinfo instead.
    getHostCpuTopology() {
      return create(GetHostCpuTopologyResponseSchema, {
        cpus: cpus().map((_, i) => create(HostCpuSchema, { cpu: i, core: i })),
      });
    },
  };
}
