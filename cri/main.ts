/**
 * protect-cri: flags, wiring, signals. The Kubernetes CRI (runtime.v1) over gRPC on
 * cri.sock; the logic lives in cri.ts and below. A client of protect-daemon only.
 */
import { runDaemonMain } from "../lib/program/mod.ts";
import { startCri } from "./cri.ts";

if (import.meta.main) {
  await runDaemonMain({
    name: "protect-cri",
    summary: "the Kubernetes CRI (runtime.v1) for protect: pods are zones, containers workloads",
    rootLayout: "DIR/run/protect/cri.sock, DIR/var/lib/protect/cri/ (and the daemon's socket)",
    start: startCri,
  }, Deno.args);
}
