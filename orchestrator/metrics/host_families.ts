import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { Timestamp } from "@bufbuild/protobuf/wkt";
import {
  HypervisorBackend,
  type ReadHostMetricsResponse,
  type ZoneHostMetrics,
  ZoneState,
} from "../../proto/mod.ts";
import type { MetricFamily, Sample } from "./prometheus_text.ts";

/** Whether a protect daemon answered on its socket. */
export interface DaemonHealth {
  /** "daemon", "storage", "network", "cri". */
  daemon: string;
  up: boolean;
}

/** A figure, or undefined when the zone has none (no sample then). */
type Figure = number | bigint | undefined;

const seconds = (t: Timestamp) => timestampDate(t).getTime() / 1000;

function gauge(name: string, help: string, samples: Sample[]): MetricFamily {
  return { name, help, type: "gauge", samples };
}

/** One gauge with a sample per zone that has the figure. */
function perZone(
  zones: ZoneHostMetrics[],
  name: string,
  help: string,
  figure: (z: ZoneHostMetrics) => Figure,
  type: "gauge" | "counter" = "gauge",
): MetricFamily {
  const samples = zones.flatMap((z) => {
    const v = figure(z);
    return v === undefined
      ? []
      : [{ labels: { zone: z.name, zone_id: z.zoneId }, value: Number(v) }];
  });
  return { name, help, type, samples };
}

/**
 * The metrics tree: the daemons' health, then (when protect-daemon answered) the host, each
 * zone and the daemon's RPCs. Figures the hypervisor knows come from it (xenctrl/libxl via
 * ReadHostMetrics), the in-zone ones from the zones' agents.
 */
export function hostFamilies(
  read: ReadHostMetricsResponse | undefined,
  health: DaemonHealth[],
): MetricFamily[] {
  const families: MetricFamily[] = [
    gauge(
      "protect_daemon_up",
      "1 when the protect daemon answers on its socket, else 0.",
      health.map((h) => ({ labels: { daemon: h.daemon }, value: h.up ? 1 : 0 })),
    ),
  ];
  if (!read) return families;
  const host = read.host!;
  const zones = read.zones;
  const guest = (f: (g: NonNullable<ZoneHostMetrics["guest"]>) => Figure) => (z: ZoneHostMetrics) =>
    z.guest ? f(z.guest) : undefined;
  families.push(
    gauge("protect_host_info", "The host's zone driver and hypervisor (value always 1).", [
      { labels: { driver: host.driver, hypervisor: host.hypervisorVersion }, value: 1 },
    ]),
    gauge(
      "protect_host_memory_total_bytes",
      "Memory the hypervisor has for zones (without one: the host's).",
      [{ labels: {}, value: Number(host.totalMemoryBytes) }],
    ),
    gauge("protect_host_memory_free_bytes", "Memory the hypervisor can still give to zones.", [
      { labels: {}, value: Number(host.freeMemoryBytes) },
    ]),
    gauge("protect_host_cpus", "Physical CPUs zones run on.", [{ labels: {}, value: host.cpus }]),
    gauge(
      "protect_zone_info",
      "Each zone with its state, type and domain ID (value always 1).",
      zones.map((z) => ({
        labels: {
          zone: z.name,
          zone_id: z.zoneId,
          state: (ZoneState[z.state] ?? "unspecified").toLowerCase(),
          backend: (HypervisorBackend[z.backend] ?? "unspecified").toLowerCase(),
          domid: String(z.domainId),
        },
        value: 1,
      })),
    ),
    perZone(
      zones,
      "protect_zone_created_timestamp_seconds",
      "When the zone was asked for.",
      (z) => z.createdAt ? seconds(z.createdAt) : undefined,
    ),
    perZone(
      zones,
      "protect_zone_ready_timestamp_seconds",
      "When the zone became READY.",
      (z) => z.readyAt ? seconds(z.readyAt) : undefined,
    ),
    perZone(
      zones,
      "protect_zone_vcpus_online",
      "vCPUs online, from the hypervisor.",
      guest((g) => g.onlineVcpus),
    ),
    perZone(
      zones,
      "protect_zone_vcpus_max",
      "vCPUs the zone may have, from the hypervisor.",
      guest((g) => g.maxVcpus),
    ),
    perZone(
      zones,
      "protect_zone_cpu_seconds_total",
      "CPU time of all the zone's vCPUs, from the hypervisor.",
      guest((g) => g.cpuSeconds),
      "counter",
    ),
    perZone(
      zones,
      "protect_zone_memory_current_bytes",
      "Memory the zone has now, from the hypervisor.",
      guest((g) => g.memoryCurrentBytes),
    ),
    perZone(
      zones,
      "protect_zone_memory_target_bytes",
      "The zone's balloon target, from the hypervisor.",
      // 0: no target was readable.
      guest((g) => g.memoryTargetBytes || undefined),
    ),
    perZone(
      zones,
      "protect_zone_memory_max_bytes",
      "The most memory the zone may have, from the hypervisor.",
      guest((g) => g.memoryMaxBytes),
    ),
    perZone(
      zones,
      "protect_zone_in_zone_memory_total_bytes",
      "MemTotal inside the zone, from its agent.",
      (z) => z.inZone?.memoryTotalBytes,
    ),
    perZone(
      zones,
      "protect_zone_in_zone_memory_used_bytes",
      "MemTotal less MemAvailable inside the zone, from its agent.",
      (z) => z.inZone?.memoryUsedBytes,
    ),
    {
      name: "protect_zone_idm_denied_total",
      help: "IDM messages the zone sent that the daemon's policy denied, by message type.",
      type: "counter",
      samples: zones.flatMap((z) =>
        Object.entries(z.idmDenied).map(([type, n]) => ({
          labels: { zone: z.name, zone_id: z.zoneId, type },
          value: Number(n),
        }))
      ),
    },
    {
      name: "protect_zone_idm_throttled_seconds_total",
      help:
        "Seconds the daemon held the zone's IDM channel back for going over its [idm.limits], by kind.",
      type: "counter",
      samples: zones.flatMap((z) =>
        Object.entries(z.idmThrottledSeconds).map(([kind, s]) => ({
          labels: { zone: z.name, zone_id: z.zoneId, kind },
          value: s,
        }))
      ),
    },
    ...rpcFamilies(read),
  );
  return families;
}

/** protect-daemon's start time, and calls, errors and latency per RPC method. */
function rpcFamilies(read: ReadHostMetricsResponse): MetricFamily[] {
  const d = read.daemon!;
  const rpcs = d.rpcs;
  const labels = (method: string) => ({ daemon: "daemon", method });
  return [
    gauge(
      "protect_daemon_start_time_seconds",
      "When the daemon started.",
      d.startedAt ? [{ labels: { daemon: "daemon" }, value: seconds(d.startedAt) }] : [],
    ),
    {
      name: "protect_rpc_calls_total",
      help: "RPC calls served since the daemon started.",
      type: "counter",
      samples: rpcs.map((r) => ({ labels: labels(r.method), value: Number(r.calls) })),
    },
    {
      name: "protect_rpc_errors_total",
      help: "RPC calls that ended in an error.",
      type: "counter",
      samples: rpcs.map((r) => ({ labels: labels(r.method), value: Number(r.errors) })),
    },
    {
      name: "protect_rpc_duration_seconds",
      help: "Time to answer an RPC (to the response's start, for streams).",
      type: "histogram",
      samples: rpcs.flatMap((r) => [
        ...r.bucketBoundsSeconds.map((bound, i) => ({
          name: "protect_rpc_duration_seconds_bucket",
          labels: { ...labels(r.method), le: String(bound) },
          value: Number(r.bucketCounts[i] ?? 0n),
        })),
        {
          name: "protect_rpc_duration_seconds_bucket",
          labels: { ...labels(r.method), le: "+Inf" },
          value: Number(r.calls),
        },
        {
          name: "protect_rpc_duration_seconds_sum",
          labels: labels(r.method),
          value: r.latencySumSeconds,
        },
        {
          name: "protect_rpc_duration_seconds_count",
          labels: labels(r.method),
          value: Number(r.calls),
        },
      ]),
    },
  ];
}
