import type { ServiceImpl } from "@connectrpc/connect";
import {
  CgroupDriver,
  type RuntimeService,
} from "../../proto/gen/k8s.io/cri-api/pkg/apis/runtime/v1/api_pb.ts";
import { FailedPreconditionError, UnimplementedError } from "../../lib/errors/mod.ts";
import { PROTECT_VERSION } from "../../lib/version/mod.ts";
import type { CriContext } from "./cri_context.ts";

/** The CRI version this server speaks (the vendored api.proto's). */
export const CRI_API_VERSION = "v1";

const condition = (type: string, ok: boolean, reason: string, message: string) => ({
  type,
  status: ok,
  reason: ok ? "" : reason,
  message: ok ? "" : message,
});

/** Why a call to the daemon failed, in one line. */
const why = (e: unknown) => (e instanceof Error ? e.message : String(e)).slice(0, 300);

/** Version, Status, RuntimeConfig and UpdateRuntimeConfig. */
export function runtimeInfoHandlers(ctx: CriContext): Partial<ServiceImpl<typeof RuntimeService>> {
  return {
    version() {
      return {
        version: "0.1.0",
        runtimeName: "protect",
        runtimeVersion: PROTECT_VERSION,
        runtimeApiVersion: CRI_API_VERSION,
      };
    },

    async status(request) {
      const runtime = await ctx.daemon.getHostStatus({}).then(() => undefined, why);
      // protect-network is reached through the daemon: its reservations answer when it is up.
      const network = runtime === undefined
        ? await ctx.daemon.listNetworkReservations({}).then(() => undefined, why)
        : "protect-daemon is not reachable";
      return {
        status: {
          conditions: [
            condition("RuntimeReady", runtime === undefined, "DaemonUnreachable", runtime ?? ""),
            condition("NetworkReady", network === undefined, "NetworkUnavailable", network ?? ""),
          ],
        },
        info:
          (request.verbose
            ? { info: JSON.stringify({ daemonReachable: runtime === undefined }) }
            : {}) as Record<string, string>,
        // A host directory is copied in, read-only all the way down.
        runtimeHandlers: ["", "protect"].map((name) => ({
          name,
          features: { recursiveReadOnlyMounts: true, userNamespaces: false },
        })),
        features: {},
      };
    },

    runtimeConfig() {
      // Zones are VMs: the host's cgroups hold no pod; systemd is the host's manager.
      return { linux: { cgroupDriver: CgroupDriver.SYSTEMD } };
    },

    updateRuntimeConfig(request) {
      const cidr = request.runtimeConfig?.networkConfig?.podCidr ?? "";
      if (cidr !== "") {
        throw new FailedPreconditionError(
          `pod addresses come from protect-network's pools (network.toml), not the node's pod ` +
            `CIDR ${cidr.slice(0, 50)}; set the pools to match it`,
        );
      }
      return {};
    },
  };
}

/**
 * RPCs still to come. Each belongs to a kubelet feature gate that is off by default; the
 * refusal says which, so an operator knows what to leave off (kubelet works without them).
 */
export function pendingHandlers(): Partial<ServiceImpl<typeof RuntimeService>> {
  const pending = (what: string, instead: string) => () => {
    throw new UnimplementedError(`${what} is not available yet in protect-cri; ${instead}`);
  };
  const metrics = pending(
    "CRI metrics (ListMetricDescriptors, ListPodSandboxMetrics)",
    "leave kubelet's PodAndContainerStatsFromCRI feature gate off: kubelet then reads " +
      "ContainerStats and ListPodSandboxStats, which protect-cri serves",
  );
  return {
    checkpointContainer: pending(
      "CheckpointContainer (a container's state lives in its zone's kernel)",
      "leave kubelet's ContainerCheckpoint feature gate off",
    ),
    getContainerEvents: pending(
      "GetContainerEvents",
      "leave kubelet's EventedPLEG feature gate off (the default): kubelet then polls " +
        "ListContainers and ListPodSandbox, which protect-cri serves",
    ),
    listMetricDescriptors: metrics,
    listPodSandboxMetrics: metrics,
  };
}
