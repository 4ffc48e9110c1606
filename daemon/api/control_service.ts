import type { ServiceImpl } from "@connectrpc/connect";
import type { ControlService } from "../../proto/mod.ts";
import type { ApiContext } from "./context.ts";
import { deviceHandlers } from "./device_handlers.ts";
import { hostHandlers } from "./host_handlers.ts";
import { imageHandlers } from "./image_handlers.ts";
import { metricsHandlers } from "./metrics_handlers.ts";
import { networkHandlers } from "./network_handlers.ts";
import { unimplementedHandlers } from "./unimplemented.ts";
import { volumeHandlers } from "./volume_handlers.ts";
import { watchHandlers } from "./watch_handlers.ts";
import { workloadHandlers } from "./workload_handlers.ts";
import { zoneHandlers } from "./zone_handlers.ts";

/** The whole ControlService: built handlers over the Unimplemented placeholders. */
export function controlService(ctx: ApiContext): ServiceImpl<typeof ControlService> {
  return { ...unimplementedHandlers(), ...builtHandlers(ctx) } as ServiceImpl<
    typeof ControlService
  >;
}

/** The handlers that do the work (each RPC not here is in unimplemented.ts). */
export function builtHandlers(ctx: ApiContext): Partial<ServiceImpl<typeof ControlService>> {
  return {
    ...hostHandlers(ctx),
    ...metricsHandlers(ctx),
    ...zoneHandlers(ctx),
    ...workloadHandlers(ctx),
    ...watchHandlers(ctx),
    ...imageHandlers(ctx.storage),
    ...volumeHandlers(ctx),
    ...networkHandlers(ctx),
    ...deviceHandlers(ctx),
  };
}
