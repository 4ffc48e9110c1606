/** The control API (`protect.control.v1`): generated messages and the ControlService. */
export * from "./gen/protect/control/v1/common_pb.ts";
export * from "./gen/protect/control/v1/control_pb.ts";
export * from "./gen/protect/control/v1/device_pb.ts";
export * from "./gen/protect/control/v1/event_pb.ts";
export * from "./gen/protect/control/v1/host_pb.ts";
export * from "./gen/protect/control/v1/image_pb.ts";
export * from "./gen/protect/control/v1/metrics_pb.ts";
export * from "./gen/protect/control/v1/network_pb.ts";
export * from "./gen/protect/control/v1/volume_pb.ts";
export * from "./gen/protect/control/v1/workload_pb.ts";
export * from "./gen/protect/control/v1/zone_pb.ts";
