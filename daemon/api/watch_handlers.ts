import type { ServiceImpl } from "@connectrpc/connect";
import type { ControlService } from "../../proto/mod.ts";
import type { ApiContext } from "./context.ts";

/** WatchEvents: live zone/workload changes until the client goes away. */
export function watchHandlers(ctx: ApiContext): Partial<ServiceImpl<typeof ControlService>> {
  return {
    watchEvents(_request, call) {
      return ctx.bus.watch(call.signal);
    },
  };
}
