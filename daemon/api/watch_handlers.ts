import type { ServiceImpl } from "@connectrpc/connect";
import type { ControlService } from "../../proto/mod.ts";
import type { ApiContext } from "./context.ts";
import { NotFoundError } from "../../lib/errors/mod.ts";

/** Live streams: zone/workload changes (WatchEvents) and IDM traffic (SnoopIdm). */
export function watchHandlers(ctx: ApiContext): Partial<ServiceImpl<typeof ControlService>> {
  return {
    watchEvents(_request, call) {
      return ctx.bus.watch(call.signal);
    },

    snoopIdm(request, call) {
      if (request.zoneId && !ctx.zones.store.find(request.zoneId)) {
        throw new NotFoundError(`zone ${request.zoneId} not found`);
      }
      return ctx.snoop.subscribe(request.zoneId, request.messageTypes, call.signal);
    },
  };
}
