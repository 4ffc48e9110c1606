/**
 * Kernel parameters a zone may be given: names as `sysctl` writes them (dots, or slashes as
 * Kubernetes also allows), values of one line. Shared by the daemon (which refuses a bad
 * spec) and the zone agent (which writes them); no node: imports.
 */
export const MAX_SYSCTLS = 64;
const NAME = /^[a-z0-9_]+([./][a-z0-9_-]+){1,6}$/;
const VALUE = /^[\x20-\x7e\t]{0,256}$/;

/** The /proc/sys path of a sysctl name. */
export const sysctlPath = (name: string) => `/proc/sys/${name.replaceAll(".", "/")}`;

/**
 * Sysctls a kernel keeps per namespace (network, IPC): the only ones a process-driver zone,
 * which shares the host's kernel, may set.
 */
export const isNamespacedSysctl = (name: string) =>
  /^(net[./]|kernel[./](shm|msg|sem)|fs[./]mqueue[./])/.test(name);

/** Why `name = value` cannot be set, or undefined when it can. */
export function sysctlProblem(name: string, value: string): string | undefined {
  if (!NAME.test(name)) return `"${name.slice(0, 80)}" is not a sysctl name`;
  if (!VALUE.test(value)) return `the value of ${name} is over 256 characters or not one line`;
  return undefined;
}
