import { create, toBinary } from "@bufbuild/protobuf";
import { WorkloadResourcesUpdateSchema } from "../../proto/gen/protect/idm/v1/idm_pb.ts";
import { type WorkloadResources, WorkloadState } from "../../proto/mod.ts";
import { FailedPreconditionError, InvalidArgumentError } from "../../lib/errors/mod.ts";
import type { HypervisorDriver } from "../hypervisor/mod.ts";
import type { WorkloadStore } from "../state/mod.ts";
import { validateWorkloadSpec } from "../validation/mod.ts";

/**
 * New limits for a workload: a running one's cgroup changes in its zone (IDM
 * `workload.resources`), and the spec keeps them either way. oom_score_adj belongs to the
 * process and cannot change while it runs.
 */
export async function updateWorkloadResources(
  deps: { workloads: WorkloadStore; driver: HypervisorDriver },
  id: string,
  resources: WorkloadResources | undefined,
): Promise<void> {
  if (!resources) throw new InvalidArgumentError("resources", "is required");
  const w = deps.workloads.get(id);
  const spec = { ...w.spec, resources };
  validateWorkloadSpec(spec);
  const running = w.state === WorkloadState.RUNNING;
  if (running && resources.oomScoreAdj !== (w.spec.resources?.oomScoreAdj ?? 0)) {
    throw new InvalidArgumentError(
      "resources.oom_score_adj",
      "cannot change while the workload runs (it is its process's)",
    );
  }
  if (running) {
    const peer = await deps.driver.channel!(w.zoneId);
    await peer.request(
      "workload.resources",
      toBinary(
        WorkloadResourcesUpdateSchema,
        create(WorkloadResourcesUpdateSchema, {
          workloadId: id,
          memoryLimitBytes: resources.memoryLimitBytes,
          cpuMillis: resources.cpuMillis,
          cpuShares: resources.cpuShares,
          pidsLimit: resources.pidsLimit,
        }),
      ),
    );
  } else if (w.state !== WorkloadState.CREATED) {
    throw new FailedPreconditionError(
      `workload ${w.name} is ${WorkloadState[w.state]}: it has ended`,
    );
  }
  deps.workloads.updateSpec(id, spec);
}
