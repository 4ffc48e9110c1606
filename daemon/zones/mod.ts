/** Zone records and their announced state changes. */
export { ZoneLedger } from "./zone_ledger.ts";
