/** The name of a zone's host-side network link, shared by the daemon's drivers and protect-network. */
export * from "./zone_link_name.ts";
