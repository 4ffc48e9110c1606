/** Named volumes: what the daemon, protect-storage and the zone agent agree on. */
export * from "./volume_name.ts";
