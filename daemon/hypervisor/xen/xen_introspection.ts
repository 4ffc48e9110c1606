import type { GuestFigures, HypervisorIntrospection } from "../driver.ts";
import { type DebugSources, xenDebugInfo } from "./debug_info.ts";
import { xenstoreDaemon } from "./xenstore_daemon.ts";

/**
 * What the Xen host says about itself and our zones' domains: the console ring, CPU topology,
 * free memory (physinfo), which xenstore daemon runs, per-zone figures (libxl_dominfo and the
 * xenstore memory target) and the debug dump. Reads only; the driver keeps the handles.
 */
export function xenIntrospection(sources: DebugSources): HypervisorIntrospection {
  const { xs, xl, xc, zoneIdOf } = sources;
  return {
    console: (clear) => xc.readConsoleRing(clear),
    cpuTopology: () => xl.cpuTopology(),
    memory: () => {
      const p = xc.physinfo();
      return { totalBytes: p.totalPages * 4096n, freeBytes: p.freePages * 4096n };
    },
    xenstore: () => xenstoreDaemon(),
    guests: () => {
      const figures = new Map<string, GuestFigures>();
      for (const d of xl.listDomains()) {
        const zoneId = zoneIdOf(d);
        if (!zoneId) continue;
        // Written by libxl at creation and by each balloon target change, in KiB.
        const targetKb = Number(xs.read(`/local/domain/${d.domid}/memory/target`) ?? 0);
        figures.set(zoneId, {
          onlineVcpus: d.onlineVcpus,
          maxVcpus: d.maxVcpuId + 1,
          cpuSeconds: Number(d.cpuTimeNs) / 1e9,
          memoryCurrentBytes: d.currentMemoryKb * 1024n,
          memoryTargetBytes: Number.isSafeInteger(targetKb) ? BigInt(targetKb) * 1024n : 0n,
          memoryMaxBytes: d.maxMemoryKb * 1024n,
        });
      }
      return figures;
    },
    debugInfo: () => Promise.resolve(xenDebugInfo(sources)),
  };
}
