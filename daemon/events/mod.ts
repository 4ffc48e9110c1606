/** Live fan-out of zone and workload changes to WatchEvents streams. */
export { EventBus } from "./event_bus.ts";
