/**
 * End-to-end suite on real Xen. Runs inside the lab's dom0 (tests/xen/lab/run.sh e2e),
 * where session.sh has started protect-storage and protect-daemon with the Xen
 * driver and imported lab/busybox:1. Drives everything through the `protect` CLI,
 * and checks the hypervisor's side with xl, xenstore and losetup.
 * Self-contained (node: built-ins and dependency-free project files): dom0 has no npm access.
 * The cases live in e2e/ by concern and run in this order: later ones use zone e1,
 * which the first creates and lifecycle_cases.ts destroys.
 */
import "./e2e/zone_cases.ts";
import "./e2e/network_cases.ts";
import "./e2e/workload_cases.ts";
import "./e2e/device_cases.ts";
import "./e2e/dynamic_memory_cases.ts";
import "./e2e/pool_cases.ts";
import "./e2e/lifecycle_cases.ts";
import "./e2e/chaos_cases.ts";
