/** MAC addresses for zone NICs. */
export * from "./mac.ts";
