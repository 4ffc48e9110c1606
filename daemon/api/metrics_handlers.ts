import { create } from "@bufbuild/protobuf";
import { timestampFromDate, timestampNow } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import { cpus, freemem, totalmem } from "node:os";
import {
  type ControlService,
  type DaemonMetrics,
  DaemonMetricsSchema,
  ReadHostMetricsResponseSchema,
  type ZoneMetrics,
  ZoneState,
} from "../../proto/mod.ts";
import { LATENCY_BOUNDS_SECONDS, type RpcMetrics } from "../../lib/rpc/mod.ts";
import type { ApiContext } from "./context.ts";
import { askZoneMetrics } from "./in_zone_metrics.ts";

/** How long a metrics read waits for each zone's agent; a scrape must not hang on one zone. */
const IN_ZONE_TIMEOUT_MS = 2_000;

/** ReadHostMetrics: the host and the zones from the hypervisor, the daemon's own RPC figures. */
export function metricsHandlers(ctx: ApiContext): Partial<ServiceImpl<typeof ControlService>> {
  return {
    async readHostMetrics(request) {
      const zones = ctx.zones.store.list();
      const inZone = new Map<string, ZoneMetrics>();
      if (request.includeInZone) {
        await Promise.all(
          zones.filter((z) => z.state === ZoneState.READY).map(async (z) => {
            try {
              inZone.set(z.id, await askZoneMetrics(ctx.driver, z.id, IN_ZONE_TIMEOUT_MS));
            } catch (error) {
              ctx.log.debug("no in-zone metrics", { zone: z.name, error });
            }
          }),
        );
      }
      const hv = ctx.driver.hypervisor;
      const guests = hv?.guests() ?? new Map();
      const memory = hv?.memory() ??
        { totalBytes: BigInt(totalmem()), freeBytes: BigInt(freemem()) };
      return create(ReadHostMetricsResponseSchema, {
        host: {
          driver: ctx.driver.name,
          hypervisorVersion: hv ? await ctx.driver.version() : "",
          totalMemoryBytes: memory.totalBytes,
          freeMemoryBytes: memory.freeBytes,
          cpus: hv?.cpuTopology().length ?? cpus().length,
        },
        zones: zones.map((z) => ({
          zoneId: z.id,
          name: z.name,
          state: z.state,
          backend: z.backend,
          domainId: z.domainId,
          createdAt: timestampFromDate(z.createdAt),
          readyAt: z.readyAt ? timestampFromDate(z.readyAt) : undefined,
          guest: guests.get(z.id),
          inZone: inZone.get(z.id),
          resources: z.spec.resources,
          memoryReport: ctx.memoryReports.get(z.id),
          idmDenied: ctx.idmPolicy.denied(z.id),
          idmThrottledSeconds: ctx.idmLimits.throttledSeconds(z.id),
        })),
        daemon: daemonFigures(ctx.startedAt, ctx.rpcMetrics),
        sampledAt: timestampNow(),
      });
    },
  };
}

function daemonFigures(startedAt: Date, rpcs: RpcMetrics): DaemonMetrics {
  return create(DaemonMetricsSchema, {
    startedAt: timestampFromDate(startedAt),
    rpcs: rpcs.snapshot().map((m) => ({
      method: m.method,
      calls: BigInt(m.calls),
      errors: BigInt(m.errors),
      bucketBoundsSeconds: [...LATENCY_BOUNDS_SECONDS],
      bucketCounts: m.cumulative.map(BigInt),
      latencySumSeconds: m.sumSeconds,
    })),
  });
}
