/** The daemon's ControlService implementation. */
export { controlService } from "./control_service.ts";
export type { ApiContext } from "./context.ts";
export { workloadToProto, zoneToProto } from "./convert.ts";
