/** Kernel parameters (sysctls) for zones. */
export * from "./sysctl_name.ts";
