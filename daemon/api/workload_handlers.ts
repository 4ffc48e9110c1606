import { create } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import {
  type ControlService,
  GetWorkloadResponseSchema,
  ListWorkloadsResponseSchema,
} from "../../proto/mod.ts";
import type { ApiContext } from "./context.ts";
import { workloadToProto } from "./convert.ts";
import { requireId } from "./require_id.ts";

/** Workload read RPCs; the writers arrive with the zone agent. */
export function workloadHandlers(ctx: ApiContext): Partial<ServiceImpl<typeof ControlService>> {
  return {
    getWorkload(request) {
      const workload = ctx.workloads.get(requireId(request.workloadId, "workload_id"));
      return create(GetWorkloadResponseSchema, { workload: workloadToProto(workload) });
    },

    listWorkloads(request) {
      let zoneId: string | undefined;
      if (request.zone !== "") {
        const zones = ctx.zones.store;
        zoneId = (zones.find(request.zone) ?? zones.findByName(request.zone) ??
          zones.get(request.zone)).id;
      }
      return create(ListWorkloadsResponseSchema, {
        workloads: ctx.workloads.list(zoneId).map(workloadToProto),
      });
    },
  };
}
