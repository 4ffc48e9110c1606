import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import {
  type PodSandbox,
  type PodSandboxFilter,
  PodSandboxState,
  type PodSandboxStatus,
  type RuntimeService,
} from "../../proto/gen/k8s.io/cri-api/pkg/apis/runtime/v1/api_pb.ts";
import { type Zone, ZoneState } from "../../proto/mod.ts";
import { InvalidArgumentError } from "../../lib/errors/mod.ts";
import type { PodRecord } from "../state/cri_store.ts";
import { newCriId } from "../state/ids.ts";
import { findPod, getPod } from "../state/lookup.ts";
import { type CriContext, nowNs, waitForZoneReady } from "./cri_context.ts";
import { podZoneSpec } from "./pod_spec.ts";
import { podDirectory } from "./pod_directory.ts";
import { stopPodContainers } from "./container_handlers.ts";
import { matchesFilter } from "./filters.ts";

/** The runtime handlers this runtime answers to ("" is the default one). */
export const RUNTIME_HANDLERS = ["", "protect"];

/** The zone, or undefined once the daemon no longer has it. */
export async function zoneOf(ctx: CriContext, zoneId: string): Promise<Zone | undefined> {
  try {
    return (await ctx.daemon.getZone({ zoneId })).zone;
  } catch (e) {
    if (e instanceof ConnectError && e.code === Code.NotFound) return undefined;
    throw e;
  }
}

function podState(pod: PodRecord, zone?: Zone): PodSandboxState {
  return pod.ready && zone?.status?.state === ZoneState.READY
    ? PodSandboxState.SANDBOX_READY
    : PodSandboxState.SANDBOX_NOTREADY;
}

function podSummary(pod: PodRecord, state: PodSandboxState): PodSandbox {
  return {
    $typeName: "runtime.v1.PodSandbox",
    id: pod.id,
    metadata: pod.config.metadata,
    state,
    createdAt: pod.createdNs,
    labels: pod.config.labels,
    annotations: pod.config.annotations,
    runtimeHandler: pod.runtimeHandler,
  };
}

/** Destroys the pod's zone and waits until the daemon has forgotten it. */
async function destroyZone(ctx: CriContext, zoneId: string): Promise<void> {
  try {
    await ctx.daemon.destroyZone({ zoneId });
  } catch (e) {
    if (e instanceof ConnectError && e.code === Code.NotFound) return;
    throw e;
  }
  const deadline = Date.now() + ctx.bootTimeoutMs;
  while (await zoneOf(ctx, zoneId)) {
    if (Date.now() > deadline) throw new Error(`zone ${zoneId} was not destroyed in time`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function stopPod(ctx: CriContext, pod: PodRecord): Promise<void> {
  await stopPodContainers(ctx, pod.id);
  await destroyZone(ctx, pod.zoneId);
  ctx.store.setPodReady(pod.id, false);
}

function filterPods(pods: Array<[PodRecord, PodSandboxState]>, filter?: PodSandboxFilter) {
  return pods.filter(([pod, state]) =>
    (filter?.state === undefined || filter.state.state === state) &&
    matchesFilter({ id: pod.id, labels: pod.config.labels }, filter)
  );
}

/** Pod sandboxes: each one a zone of its own. */
export function podHandlers(ctx: CriContext): Partial<ServiceImpl<typeof RuntimeService>> {
  const pods = () => ctx.store.pods();
  return {
    async runPodSandbox(request) {
      if (!RUNTIME_HANDLERS.includes(request.runtimeHandler)) {
        throw new InvalidArgumentError(
          "runtime_handler",
          `"${request.runtimeHandler.slice(0, 60)}" is not served here (only "protect")`,
        );
      }
      if (!request.config) throw new InvalidArgumentError("config", "is required");
      const id = newCriId();
      const spec = podZoneSpec(
        request.config,
        id,
        podDirectory(ctx.kubeletPodsDir, request.config),
      );
      const { zoneId } = await ctx.daemon.createZone({ spec });
      const pod: PodRecord = {
        id,
        zoneId,
        config: request.config,
        ready: false,
        runtimeHandler: request.runtimeHandler,
        createdNs: nowNs(),
      };
      ctx.store.insertPod(pod);
      try {
        await waitForZoneReady(ctx, zoneId);
      } catch (e) {
        await destroyZone(ctx, zoneId).catch(() => {});
        ctx.store.deletePod(id);
        throw e;
      }
      ctx.store.setPodReady(id, true);
      ctx.log.info("pod sandbox ready", {
        pod: id,
        zone: zoneId,
        name: request.config.metadata?.name,
      });
      return { podSandboxId: id };
    },

    async stopPodSandbox(request) {
      const pod = getPod(ctx.store, request.podSandboxId);
      await stopPod(ctx, pod);
      return {};
    },

    async removePodSandbox(request) {
      const pod = findPod(ctx.store, request.podSandboxId);
      if (!pod) return {}; // removed already: kubelet may ask twice
      await stopPod(ctx, pod);
      for (const c of ctx.store.containers(pod.id)) ctx.logs.stop(c.id);
      ctx.store.deletePod(pod.id);
      return {};
    },

    async podSandboxStatus(request) {
      const pod = getPod(ctx.store, request.podSandboxId);
      const zone = await zoneOf(ctx, pod.zoneId);
      const ips = [zone?.status?.ipv4, zone?.status?.ipv6].filter((ip): ip is string => !!ip);
      const status: PodSandboxStatus = {
        ...podSummary(pod, podState(pod, zone)),
        $typeName: "runtime.v1.PodSandboxStatus",
        network: {
          $typeName: "runtime.v1.PodSandboxNetworkStatus",
          ip: ips[0] ?? "",
          additionalIps: ips.slice(1).map((ip) => ({ $typeName: "runtime.v1.PodIP", ip })),
        },
        linux: {
          $typeName: "runtime.v1.LinuxPodSandboxStatus",
          namespaces: {
            $typeName: "runtime.v1.Namespace",
            options: pod.config.linux?.securityContext?.namespaceOptions,
          },
        },
      };
      const info: Record<string, string> = request.verbose
        ? {
          info: JSON.stringify({
            zoneId: pod.zoneId,
            zoneName: zone?.spec?.name,
            zoneState: zone?.status ? ZoneState[zone.status.state] : "GONE",
            domainId: zone?.status?.domainId,
            driver: zone?.status?.driver,
          }),
        }
        : {};
      return { status, info, containersStatuses: [], timestamp: nowNs() };
    },

    async listPodSandbox(request) {
      const all = pods();
      const zones = new Map(
        (await ctx.daemon.listZones({})).zones.map((z) => [z.id, z]),
      );
      const states = all.map((p) =>
        [p, podState(p, zones.get(p.zoneId))] as [PodRecord, PodSandboxState]
      );
      return { items: filterPods(states, request.filter).map(([p, s]) => podSummary(p, s)) };
    },
  };
}
