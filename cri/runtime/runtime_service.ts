import type { ServiceImpl } from "@connectrpc/connect";
import type { RuntimeService } from "../../proto/gen/k8s.io/cri-api/pkg/apis/runtime/v1/api_pb.ts";
import type { CriContext } from "./cri_context.ts";
import { containerHandlers } from "./container_handlers.ts";
import { podHandlers } from "./pod_handlers.ts";
import { pendingHandlers, runtimeInfoHandlers } from "./runtime_info_handlers.ts";
import { statsHandlers } from "./stats_handlers.ts";

/** The whole RuntimeService: pods, containers, runtime info, and the RPCs still to come. */
export function runtimeService(ctx: CriContext): ServiceImpl<typeof RuntimeService> {
  return {
    ...pendingHandlers(),
    ...runtimeInfoHandlers(ctx),
    ...podHandlers(ctx),
    ...containerHandlers(ctx),
    ...statsHandlers(ctx),
  } as ServiceImpl<typeof RuntimeService>;
}
