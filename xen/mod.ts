/**
 * Thin Deno.dlopen bindings to the Xen 4.17 libraries: one module per library,
 * no policy. Only the daemon (and the zone agent, for its vchan end) loads them;
 * Deno needs an unscoped --allow-ffi to read pointers.
 */
export { XenError, XenUnavailableError } from "./errors.ts";
export { cString, errno } from "./c.ts";
export { F_OK, libc, O_NOCTTY, O_RDONLY, O_WRONLY } from "./libc.ts";
export { ConsoleTty } from "./console_tty.ts";
export {
  kernelPathExists,
  listKernelDir,
  readKernelFile,
  readKernelLink,
  writeKernelFile,
} from "./kernel_files.ts";
export { ToolLogger, XtlLevel } from "./toollog.ts";
export { type WatchEvent, XenStore, type XsPermission } from "./xenstore.ts";
export { type CpuTopology, type DomainInfo, Libxl, SHUTDOWN_REASONS } from "./xenlight.ts";
export { DEFAULT_RING_BYTES, Vchan, type VchanOptions } from "./vchan.ts";
export { type HypervisorPhysinfo, XenCtrl } from "./xenctrl.ts";
