import type { ServiceImpl } from "@connectrpc/connect";
import type { RuntimeService } from "../../proto/gen/k8s.io/cri-api/pkg/apis/runtime/v1/api_pb.ts";
import type { CriContext } from "./cri_context.ts";
import { containerHandlers } from "./container_handlers.ts";
import { podHandlers } from "./pod_handlers.ts";
import { pendingHandlers, runtimeInfoHandlers } from "./runtime_info_handlers.ts";
import { statsHandlers } from "./stats_handlers.ts";
import { type Streaming, streamingRpcHandlers } from "./streaming_handlers.ts";

/** The whole RuntimeService: pods, containers, streaming, stats, and the RPCs still to come. */
export function runtimeService(
  ctx: CriContext,
  streaming: Streaming,
): ServiceImpl<typeof RuntimeService> {
  return {
    ...pendingHandlers(),
    ...runtimeInfoHandlers(ctx),
    ...podHandlers(ctx),
    ...containerHandlers(ctx),
    ...statsHandlers(ctx),
    ...streamingRpcHandlers(ctx, streaming),
  } as ServiceImpl<typeof RuntimeService>;
}
