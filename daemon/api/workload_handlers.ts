import { create } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import {
  AttachWorkloadConsoleResponseSchema,
  type ControlService,
  CreateWorkloadResponseSchema,
  DestroyWorkloadResponseSchema,
  ExecInsideWorkloadResponseSchema,
  GetWorkloadResponseSchema,
  ListWorkloadsResponseSchema,
  ReadWorkloadLogsResponseSchema,
  ReadWorkloadStatsResponseSchema,
  StartWorkloadResponseSchema,
  StopWorkloadResponseSchema,
  UpdateWorkloadResourcesResponseSchema,
} from "../../proto/mod.ts";
import type { ApiContext } from "./context.ts";
import { execOutput } from "../workloads/exec_relay.ts";
import { LIVE_WORKLOAD_STATES } from "../workloads/workload_manager.ts";
import { workloadToProto } from "./convert.ts";
import { requireId } from "./require_id.ts";
import { validateLabels } from "../validation/mod.ts";
import { readWorkloadStats } from "../workloads/workload_stats.ts";
import { FailedPreconditionError } from "../../lib/errors/mod.ts";

/** Workload RPCs; the zone agent does the running. */
export function workloadHandlers(ctx: ApiContext): Partial<ServiceImpl<typeof ControlService>> {
  return {
    async createWorkload(request) {
      const workloadId = await ctx.workloadManager.create(request.spec, request.start);
      return create(CreateWorkloadResponseSchema, { workloadId });
    },

    async startWorkload(request) {
      await ctx.workloadManager.start(requireId(request.workloadId, "workload_id"));
      return create(StartWorkloadResponseSchema);
    },

    async stopWorkload(request) {
      await ctx.workloadManager.stop(
        requireId(request.workloadId, "workload_id"),
        request.gracePeriodSeconds || 10,
      );
      return create(StopWorkloadResponseSchema);
    },

    async destroyWorkload(request) {
      await ctx.workloadManager.destroy(requireId(request.workloadId, "workload_id"));
      return create(DestroyWorkloadResponseSchema);
    },

    async *execInsideWorkload(requests) {
      for await (const event of ctx.workloadManager.exec(requests)) {
        yield create(ExecInsideWorkloadResponseSchema, { output: execOutput(event) });
      }
    },

    async *attachWorkloadConsole(requests, call) {
      for await (const response of ctx.workloadManager.attachConsole(requests, call.signal)) {
        yield create(AttachWorkloadConsoleResponseSchema, response);
      }
    },

    async updateWorkloadResources(request) {
      await ctx.workloadManager.updateResources(
        requireId(request.workloadId, "workload_id"),
        request.resources,
      );
      return create(UpdateWorkloadResourcesResponseSchema);
    },

    async readWorkloadStats(request) {
      if (!ctx.driver.channel) {
        throw new FailedPreconditionError(`the ${ctx.driver.name} driver runs no workloads`);
      }
      request.workloadIds.forEach((id, i) => requireId(id, `workload_ids[${i}]`));
      const stats = await readWorkloadStats(ctx, request.workloadIds);
      return create(ReadWorkloadStatsResponseSchema, { stats });
    },

    async *readWorkloadLogs(request, call) {
      const id = requireId(request.workloadId, "workload_id");
      const w = ctx.workloads.get(id); // NotFound for unknown IDs
      // An ended workload's log is complete: following it would wait for nothing.
      const follow = request.follow && LIVE_WORKLOAD_STATES.has(w.state);
      for await (const chunk of ctx.workloadLogs.read(id, follow, call.signal)) {
        yield create(ReadWorkloadLogsResponseSchema, { [chunk.stream]: chunk.data });
      }
    },

    getWorkload(request) {
      const workload = ctx.workloads.get(requireId(request.workloadId, "workload_id"));
      return create(GetWorkloadResponseSchema, { workload: workloadToProto(workload) });
    },

    listWorkloads(request) {
      const zoneId = request.zone === "" ? undefined : ctx.zones.store.resolve(request.zone).id;
      validateLabels(request.labels, "labels");
      const wanted = Object.entries(request.labels);
      const matches = (labels: Record<string, string>) => wanted.every(([k, v]) => labels[k] === v);
      return create(ListWorkloadsResponseSchema, {
        workloads: ctx.workloads.list(zoneId).filter((w) => matches(w.spec.labels)).map(
          workloadToProto,
        ),
      });
    },
  };
}
