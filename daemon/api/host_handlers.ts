import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import { cpus, freemem, hostname, totalmem } from "node:os";
import {
  type ControlService,
  GetHostCpuTopologyResponseSchema,
  GetHostStatusResponseSchema,
  GetHypervisorDebugInfoResponseSchema,
  HostCpuSchema,
  ReadHypervisorConsoleResponseSchema,
} from "../../proto/mod.ts";
import { FailedPreconditionError } from "../../lib/errors/mod.ts";
import { PROTECT_VERSION } from "../../lib/version/mod.ts";
import type { ApiContext } from "./context.ts";

function hypervisor(ctx: ApiContext) {
  if (!ctx.driver.hypervisor) {
    throw new FailedPreconditionError(
      `the ${ctx.driver.name} driver runs no hypervisor; this needs the xen driver`,
    );
  }
  return ctx.driver.hypervisor;
}

/** Host RPCs; the hypervisor ones need a driver with a hypervisor (xen). */
export function hostHandlers(ctx: ApiContext): Partial<ServiceImpl<typeof ControlService>> {
  return {
    async getHostStatus() {
      const memory = ctx.driver.hypervisor?.memory() ??
        { totalBytes: BigInt(totalmem()), freeBytes: BigInt(freemem()) };
      return create(GetHostStatusResponseSchema, {
        hostUuid: ctx.hostUuid,
        hostname: hostname(),
        version: PROTECT_VERSION,
        hypervisor: {
          driver: ctx.driver.name,
          version: await ctx.driver.version(),
          hardwareIsolation: ctx.driver.hardwareIsolation,
          xenstore: ctx.driver.hypervisor?.xenstore() ?? "",
        },
        // With a hypervisor: what zones can still get, not dom0's own memory.
        totalMemoryBytes: memory.totalBytes,
        freeMemoryBytes: memory.freeBytes,
        zoneCount: ctx.zones.store.list().length,
        workloadCount: ctx.workloads.count(),
        startedAt: timestampFromDate(ctx.startedAt),
      });
    },

    // The hypervisor's physical CPUs where there is one; else this host's view.
    getHostCpuTopology() {
      const topology = ctx.driver.hypervisor?.cpuTopology() ??
        cpus().map((_, i) => ({ cpu: i, core: i, socket: 0, node: 0 }));
      return create(GetHostCpuTopologyResponseSchema, {
        cpus: topology.map((c) => create(HostCpuSchema, c)),
      });
    },

    readHypervisorConsole(request) {
      return create(ReadHypervisorConsoleResponseSchema, {
        data: hypervisor(ctx).console(request.clear),
      });
    },

    async getHypervisorDebugInfo() {
      const info = await hypervisor(ctx).debugInfo();
      return create(GetHypervisorDebugInfoResponseSchema, {
        json: JSON.stringify(info, (_, v) => typeof v === "bigint" ? v.toString() : v),
      });
    },
  };
}
