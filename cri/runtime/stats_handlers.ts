import type { MessageInitShape } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import type {
  ContainerStatsSchema,
  PodSandboxStatsSchema,
  RuntimeService,
} from "../../proto/gen/k8s.io/cri-api/pkg/apis/runtime/v1/api_pb.ts";
import { WorkloadState, type WorkloadStats } from "../../proto/mod.ts";
import type { ContainerRecord, PodRecord } from "../state/cri_store.ts";
import { getContainer, getPod } from "../state/lookup.ts";
import { type CriContext, timestampNs } from "./cri_context.ts";
import { matchesFilter } from "./filters.ts";

type ContainerStatsInit = MessageInitShape<typeof ContainerStatsSchema>;
type PodStatsInit = MessageInitShape<typeof PodSandboxStatsSchema>;

/** The previous CPU reading of each container, for a usage rate (nano cores). */
type CpuSamples = Map<string, { ns: bigint; at: bigint }>;

const u64 = (value: bigint) => ({ value });

function containerStats(
  c: ContainerRecord,
  s: WorkloadStats,
  samples: CpuSamples,
): ContainerStatsInit {
  const at = timestampNs(s.sampledAt);
  const last = samples.get(c.id);
  samples.set(c.id, { ns: s.cpuUsageNs, at });
  const rate = last && at > last.at && s.cpuUsageNs >= last.ns
    ? (s.cpuUsageNs - last.ns) * 1_000_000_000n / (at - last.at)
    : undefined;
  return {
    attributes: {
      id: c.id,
      metadata: c.config.metadata,
      labels: c.config.labels,
      annotations: c.config.annotations,
    },
    cpu: {
      timestamp: at,
      usageCoreNanoSeconds: u64(s.cpuUsageNs),
      ...(rate !== undefined && { usageNanoCores: u64(rate) }),
    },
    memory: {
      timestamp: at,
      usageBytes: u64(s.memoryUsageBytes),
      workingSetBytes: u64(s.memoryWorkingSetBytes),
    },
    writableLayer: {
      timestamp: at,
      fsId: { mountpoint: "/" },
      usedBytes: u64(s.writableLayerBytes),
      inodesUsed: u64(s.writableLayerInodes),
    },
  };
}

/**
 * Container and pod stats, measured in the zones: a container's CPU time, memory and
 * writable layer from its workload's cgroup; a pod's CPU as its containers' sum, its memory
 * and process count from the zone itself. Running containers only (an ended one has none).
 */
export function statsHandlers(ctx: CriContext): Partial<ServiceImpl<typeof RuntimeService>> {
  const samples: CpuSamples = new Map();

  async function statsOf(records: ContainerRecord[]): Promise<ContainerStatsInit[]> {
    if (records.length === 0) return [];
    const byWorkload = new Map(records.map((c) => [c.workloadId, c]));
    const running = new Set(
      (await ctx.daemon.listWorkloads({})).workloads
        .filter((w) => w.status?.state === WorkloadState.RUNNING).map((w) => w.id),
    );
    const ids = [...byWorkload.keys()].filter((id) => running.has(id));
    if (ids.length === 0) return [];
    const { stats } = await ctx.daemon.readWorkloadStats({ workloadIds: ids });
    for (const id of samples.keys()) {
      if (!ctx.store.containers().some((c) => c.id === id)) samples.delete(id); // removed ones
    }
    return stats.map((s) => containerStats(byWorkload.get(s.workloadId)!, s, samples));
  }

  async function podStats(pod: PodRecord): Promise<PodStatsInit> {
    const containers = await statsOf(ctx.store.containers(pod.id));
    const attributes = {
      id: pod.id,
      metadata: pod.config.metadata,
      labels: pod.config.labels,
      annotations: pod.config.annotations,
    };
    if (!pod.ready) return { attributes, linux: { containers } };
    const { metrics } = await ctx.daemon.readZoneMetrics({ zoneId: pod.zoneId });
    const at = timestampNs(metrics?.sampledAt);
    const cpu = containers.reduce((n, c) => n + (c.cpu?.usageCoreNanoSeconds?.value ?? 0n), 0n);
    const total = metrics?.memoryTotalBytes ?? 0n;
    const used = metrics?.memoryUsedBytes ?? 0n;
    return {
      attributes,
      linux: {
        cpu: { timestamp: at, usageCoreNanoSeconds: u64(cpu) },
        memory: {
          timestamp: at,
          usageBytes: u64(used),
          workingSetBytes: u64(used),
          availableBytes: u64(total > used ? total - used : 0n),
        },
        process: { timestamp: at, processCount: u64(BigInt(metrics?.processCount ?? 0)) },
        containers,
      },
    };
  }

  return {
    async containerStats(request) {
      const c = getContainer(ctx.store, request.containerId);
      const [stats] = await statsOf([c]);
      return { stats: stats ?? { attributes: { id: c.id, metadata: c.config.metadata } } };
    },

    async listContainerStats(request) {
      const chosen = ctx.store.containers().filter((c) =>
        matchesFilter({ id: c.id, podId: c.podId, labels: c.config.labels }, request.filter)
      );
      return { stats: await statsOf(chosen) };
    },

    async podSandboxStats(request) {
      const pod = getPod(ctx.store, request.podSandboxId);
      return { stats: await podStats(pod) };
    },

    async listPodSandboxStats(request) {
      const chosen = ctx.store.pods().filter((p) =>
        matchesFilter({ id: p.id, labels: p.config.labels }, request.filter)
      );
      return { stats: await Promise.all(chosen.map(podStats)) };
    },
  };
}
