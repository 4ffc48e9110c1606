/** The daemon's persisted state: SQLite (WAL) with migrations, host identity. */
export { openDatabase } from "./database.ts";
export { loadOrCreateHostUuid } from "./host_uuid.ts";
export { type ZoneRecord, ZoneStore } from "./zone_store.ts";
export { type WorkloadRecord, WorkloadStore } from "./workload_store.ts";
export { EventLog, type LoggedEvent } from "./event_log.ts";
