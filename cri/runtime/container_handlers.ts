import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import {
  type Container,
  type ContainerFilter,
  ContainerResourcesSchema,
  ContainerState,
  type ContainerStatus,
  type RuntimeService,
} from "../../proto/gen/k8s.io/cri-api/pkg/apis/runtime/v1/api_pb.ts";
import { type Workload, type WorkloadResources, WorkloadState } from "../../proto/mod.ts";
import { FailedPreconditionError, InvalidArgumentError } from "../../lib/errors/mod.ts";
import type { ContainerRecord, FinalStatus } from "../state/cri_store.ts";
import { newCriId } from "../state/ids.ts";
import { findContainer, getContainer, getPod } from "../state/lookup.ts";
import { type CriContext, nowNs, timestampNs } from "./cri_context.ts";
import {
  containerWorkloadSpec,
  refuseUnsupportedResources,
  workloadResources,
} from "./container_spec.ts";
import { matchesFilter } from "./filters.ts";
import { execSync } from "./exec_sync.ts";

/** The workload, or undefined once the daemon no longer has it. */
async function workloadOf(ctx: CriContext, workloadId: string): Promise<Workload | undefined> {
  try {
    return (await ctx.daemon.getWorkload({ workloadId })).workload;
  } catch (e) {
    if (e instanceof ConnectError && e.code === Code.NotFound) return undefined;
    throw e;
  }
}

const STATES: Partial<Record<WorkloadState, ContainerState>> = {
  [WorkloadState.CREATING]: ContainerState.CONTAINER_CREATED,
  [WorkloadState.CREATED]: ContainerState.CONTAINER_CREATED,
  [WorkloadState.RUNNING]: ContainerState.CONTAINER_RUNNING,
  [WorkloadState.COMPLETED]: ContainerState.CONTAINER_EXITED,
  [WorkloadState.FAILED]: ContainerState.CONTAINER_EXITED,
};

/** The workload's status in CRI terms, or the last one kept once the workload is gone. */
function finalOf(
  w: Workload | undefined,
  c: ContainerRecord,
): FinalStatus & { state: ContainerState } {
  if (!w?.status) {
    if (!c.final) {
      return {
        state: ContainerState.CONTAINER_UNKNOWN,
        exited: false,
        exitCode: 0,
        reason: "Unknown",
        message: "the container's workload is gone",
        startedNs: "0",
        finishedNs: "0",
      };
    }
    return {
      ...c.final,
      state: c.final.exited ? ContainerState.CONTAINER_EXITED : ContainerState.CONTAINER_UNKNOWN,
    };
  }
  const s = w.status;
  const state = STATES[s.state] ?? ContainerState.CONTAINER_UNKNOWN;
  const exited = state === ContainerState.CONTAINER_EXITED;
  return {
    state,
    exited,
    exitCode: exited ? s.exitCode : 0,
    // A container that never ran is kubelet's StartError / an exit reason otherwise.
    reason: exited
      ? (s.state === WorkloadState.FAILED && !s.startedAt ? "StartError" : s.reason)
      : "",
    message: s.error,
    startedNs: String(timestampNs(s.startedAt)),
    finishedNs: String(exited ? timestampNs(s.exitedAt) : 0n),
  };
}

function summary(c: ContainerRecord, state: ContainerState): Container {
  return {
    $typeName: "runtime.v1.Container",
    id: c.id,
    podSandboxId: c.podId,
    metadata: c.config.metadata,
    image: c.config.image,
    imageRef: c.imageRef,
    imageId: c.imageRef,
    state,
    createdAt: c.createdNs,
    labels: c.config.labels,
    annotations: c.config.annotations,
  };
}

function statusOf(c: ContainerRecord, w: Workload | undefined): ContainerStatus {
  const f = finalOf(w, c);
  return {
    ...summary(c, f.state),
    $typeName: "runtime.v1.ContainerStatus",
    startedAt: BigInt(f.startedNs),
    finishedAt: BigInt(f.finishedNs),
    exitCode: f.exitCode,
    reason: f.reason,
    message: f.message,
    mounts: c.config.mounts,
    logPath: c.logPath,
    ...(w?.spec?.resources && { resources: resourcesStatus(w.spec.resources) }),
  };
}

/** The limits the workload has now (UpdateContainerResources changes them), as the CRI says them. */
function resourcesStatus(r: WorkloadResources): ContainerStatus["resources"] {
  return create(ContainerResourcesSchema, {
    linux: {
      memoryLimitInBytes: r.memoryLimitBytes,
      cpuPeriod: r.cpuMillis > 0 ? 100_000n : 0n,
      cpuQuota: BigInt(r.cpuMillis * 100),
      cpuShares: r.cpuShares,
      oomScoreAdj: BigInt(r.oomScoreAdj),
    },
  });
}

function filterContainers(
  items: Array<[ContainerRecord, ContainerState]>,
  filter?: ContainerFilter,
): Array<[ContainerRecord, ContainerState]> {
  return items.filter(([c, state]) =>
    (filter?.state === undefined || filter.state.state === state) &&
    matchesFilter({ id: c.id, podId: c.podId, labels: c.config.labels }, filter)
  );
}

/** Stops every container of a pod (no grace: the pod is going) and keeps their last status. */
export async function stopPodContainers(ctx: CriContext, podId: string): Promise<void> {
  for (const c of ctx.store.containers(podId)) {
    const w = await workloadOf(ctx, c.workloadId);
    if (w?.status?.state === WorkloadState.RUNNING) {
      await ctx.daemon.stopWorkload({ workloadId: c.workloadId, gracePeriodSeconds: 1 });
    }
    const after = await workloadOf(ctx, c.workloadId);
    if (after) {
      const { state: _state, ...final } = finalOf(after, c);
      ctx.store.setFinal(c.id, final);
    }
  }
}

/** Containers: each one a workload in its pod's zone. */
export function containerHandlers(ctx: CriContext): Partial<ServiceImpl<typeof RuntimeService>> {
  const containers = () => ctx.store.containers();
  const get = (id: string) => getContainer(ctx.store, id);
  return {
    async createContainer(request) {
      const pod = getPod(ctx.store, request.podSandboxId);
      if (!pod.ready) {
        throw new FailedPreconditionError(`pod sandbox ${pod.id} is not ready (stopped)`);
      }
      if (!request.config) throw new InvalidArgumentError("config", "is required");
      const id = newCriId();
      const spec = containerWorkloadSpec(request.config, pod.zoneId, id, ctx.readProfile);
      const { workloadId } = await ctx.daemon.createWorkload({ spec, start: false });
      const logPath = request.config.logPath && pod.config.logDirectory
        ? join(pod.config.logDirectory, request.config.logPath)
        : "";
      const record: ContainerRecord = {
        id,
        podId: pod.id,
        workloadId,
        config: request.config,
        imageRef: await imageRefOf(ctx, spec.image),
        logPath,
        createdNs: nowNs(),
        loggedBytes: 0,
        logDone: false,
      };
      ctx.store.insertContainer(record);
      return { containerId: id };
    },

    async startContainer(request) {
      const c = get(request.containerId);
      await ctx.daemon.startWorkload({ workloadId: c.workloadId });
      ctx.logs.follow(c);
      return {};
    },

    async stopContainer(request) {
      const c = get(request.containerId);
      const w = await workloadOf(ctx, c.workloadId);
      if (w?.status?.state === WorkloadState.RUNNING) {
        // kubelet's timeout is the grace period; 0 means kill now (1 s is the least we have).
        const grace = Number(request.timeout > 0n ? request.timeout : 1n);
        await ctx.daemon.stopWorkload({ workloadId: c.workloadId, gracePeriodSeconds: grace });
      }
      return {};
    },

    async removeContainer(request) {
      const c = findContainer(ctx.store, request.containerId);
      if (!c) return {}; // removed already
      const w = await workloadOf(ctx, c.workloadId);
      if (w) {
        if (w.status?.state === WorkloadState.RUNNING) {
          await ctx.daemon.stopWorkload({ workloadId: c.workloadId, gracePeriodSeconds: 1 });
        }
        await ctx.daemon.destroyWorkload({ workloadId: c.workloadId }).catch((e) => {
          if (!(e instanceof ConnectError && e.code === Code.NotFound)) throw e;
        });
      }
      ctx.logs.stop(c.id);
      ctx.store.deleteContainer(c.id);
      return {};
    },

    async listContainers(request) {
      const all = containers();
      const workloads = new Map(
        (await ctx.daemon.listWorkloads({})).workloads.map((w) => [w.id, w]),
      );
      const states = all.map((c) =>
        [c, finalOf(workloads.get(c.workloadId), c).state] as [ContainerRecord, ContainerState]
      );
      return {
        containers: filterContainers(states, request.filter).map(([c, s]) => summary(c, s)),
      };
    },

    async containerStatus(request) {
      const c = get(request.containerId);
      const w = await workloadOf(ctx, c.workloadId);
      const info: Record<string, string> = request.verbose
        ? {
          info: JSON.stringify({
            workloadId: c.workloadId,
            workloadName: w?.spec?.name,
            zoneId: w?.zoneId,
          }),
        }
        : {};
      return { status: statusOf(c, w), info };
    },

    reopenContainerLog(request) {
      ctx.logs.reopen(get(request.containerId).id);
      return {};
    },

    async execSync(request) {
      const c = get(request.containerId);
      return await execSync(ctx, c.workloadId, request.cmd, Number(request.timeout));
    },

    async updateContainerResources(request) {
      const c = get(request.containerId);
      if (!request.linux) throw new InvalidArgumentError("linux", "is required (Linux resources)");
      refuseUnsupportedResources(request.linux, "linux");
      const { workload } = await ctx.daemon.getWorkload({ workloadId: c.workloadId });
      await ctx.daemon.updateWorkloadResources({
        workloadId: c.workloadId,
        resources: {
          ...workloadResources(request.linux),
          pidsLimit: workload?.spec?.resources?.pidsLimit ?? 0,
        },
      });
      return {};
    },
  };
}

/** `repo@sha256:…` for the image the daemon holds under `reference`, else the reference. */
async function imageRefOf(ctx: CriContext, reference: string): Promise<string> {
  const { images } = await ctx.daemon.listImages({});
  const want = reference.includes("/") ? reference : `docker.io/library/${reference}`;
  const withTag = /:[^/]+$/.test(want) || want.includes("@") ? want : `${want}:latest`;
  const image = images.find((i) => i.reference === withTag || i.reference === reference);
  if (!image) return reference;
  return `${image.reference.replace(/(@.*|:[^/:]+)$/, "")}@${image.manifestDigest}`;
}
