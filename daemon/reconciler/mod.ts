/** The loop that turns desired zone state into hypervisor calls. */
export { ZoneReconciler, type ZoneReconcilerDeps } from "./zone_reconciler.ts";
