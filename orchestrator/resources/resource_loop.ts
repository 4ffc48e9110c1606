import type { Client } from "@connectrpc/connect";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import {
  type ControlService,
  type ReadHostMetricsResponse,
  ResourcePolicy,
  type ZoneHostMetrics,
  ZoneState,
} from "../../proto/mod.ts";
import type { Logger } from "../../lib/log/mod.ts";
import { runTicks } from "../tick_loop.ts";
import { type CpuDecision, CpuPolicyState, planCpus } from "./cpu_policy.ts";
import {
  DEFAULT_MEMORY_TUNABLES,
  type MemoryDecision,
  MemoryPolicyState,
  type MemoryView,
  planMemory,
} from "./memory_policy.ts";

const MiB = 1024 * 1024;
/** A memory report older than this says nothing about now (agents report at least every 30 s). */
const STALE_MS = 45_000;

export interface ResourceLoopOptions {
  intervalMs: number;
  reserveMib: number;
}

/** A DYNAMIC zone's memory as the policy sees it. */
export function memoryView(z: ZoneHostMetrics, sampledMs: number): MemoryView {
  const r = z.resources!;
  const m = z.memoryReport;
  const fresh = m?.reportedAt && sampledMs - timestampDate(m.reportedAt).getTime() < STALE_MS;
  return {
    zoneId: z.zoneId,
    name: z.name,
    minMib: Number(r.minMemoryMib),
    maxMib: Number(r.maxMemoryMib),
    targetMib: Number(r.targetMemoryMib),
    report: fresh
      ? {
        totalMib: Number(m.memoryTotalBytes) / MiB,
        availableMib: Number(m.memoryAvailableBytes) / MiB,
        pressureSome: m.pressureSomeAvg10,
      }
      : undefined,
  };
}

/** The decisions of one tick, from one ReadHostMetrics answer. */
export function planTick(
  read: ReadHostMetricsResponse,
  memory: MemoryPolicyState,
  cpus: CpuPolicyState,
  reserveMib: number,
): { memory: MemoryDecision[]; cpus: CpuDecision[] } {
  const now = read.sampledAt ? timestampDate(read.sampledAt).getTime() : Date.now();
  const dynamic = read.zones.filter((z) =>
    z.state === ZoneState.READY && z.resources?.policy === ResourcePolicy.DYNAMIC
  );
  return {
    memory: planMemory(
      dynamic.map((z) => memoryView(z, now)),
      Number(read.host?.freeMemoryBytes ?? 0n) / MiB,
      memory,
      now,
      { ...DEFAULT_MEMORY_TUNABLES, reserveMib },
    ),
    cpus: planCpus(
      dynamic.map((z) => ({
        zoneId: z.zoneId,
        name: z.name,
        minCpus: z.resources!.minCpus,
        maxCpus: z.resources!.maxCpus,
        onlineCpus: z.guest?.onlineVcpus ?? z.resources!.targetCpus,
        cpuSeconds: z.guest?.cpuSeconds,
      })),
      cpus,
      now,
    ),
  };
}

/**
 * The DYNAMIC policy's loop: each tick reads the host and the zones once, plans, and sets
 * the targets through UpdateZoneResources, logging each change with its reason.
 */
export function runResourceLoop(
  client: Client<typeof ControlService>,
  options: ResourceLoopOptions,
  log: Logger,
  signal: AbortSignal,
): Promise<void> {
  const memory = new MemoryPolicyState();
  const cpus = new CpuPolicyState();
  const tick = async () => {
    // The zone list is cheap; the hypervisor's figures are read only when a zone needs them.
    const { zones } = await client.listZones({}, { timeoutMs: 5_000, signal });
    if (!zones.some((z) => z.spec?.resources?.policy === ResourcePolicy.DYNAMIC)) return;
    const read = await client.readHostMetrics({}, { timeoutMs: 5_000, signal });
    const plan = planTick(read, memory, cpus, options.reserveMib);
    const changes = new Map<
      string,
      { name: string; memory?: MemoryDecision; cpus?: CpuDecision }
    >();
    for (const d of plan.memory) changes.set(d.zoneId, { name: d.name, memory: d });
    for (const d of plan.cpus) {
      changes.set(d.zoneId, { ...changes.get(d.zoneId), name: d.name, cpus: d });
    }
    for (const [zoneId, change] of changes) {
      try {
        await client.updateZoneResources({
          zoneId,
          resources: {
            targetMemoryMib: BigInt(change.memory?.toMib ?? 0),
            targetCpus: change.cpus?.toCpus ?? 0,
          },
        }, { signal });
        if (change.memory) {
          const d = change.memory;
          log.info("zone memory target", {
            zone: d.name,
            fromMib: d.fromMib,
            toMib: d.toMib,
            reason: d.reason,
          });
        }
        if (change.cpus) {
          const d = change.cpus;
          log.info("zone vCPUs", {
            zone: d.name,
            from: d.fromCpus,
            to: d.toCpus,
            reason: d.reason,
          });
        }
      } catch (error) {
        log.warn("could not resize a zone", { zone: change.name, error });
      }
    }
  };
  return runTicks("the resource loop", tick, { intervalMs: options.intervalMs, log, signal });
}
