/**
 * Kernel files (/proc, /sys) and device nodes through libc, for the agent in a Xen
 * zone: Deno opens those paths only under --allow-all, and the agent runs under its
 * own permission set (deno.json "zone-xen"), whose FFI grant makes these calls.
 */
import { cString, errno } from "../xen/mod.ts";
import { F_OK, libc, O_RDONLY, O_WRONLY } from "../xen/libc.ts";

/** Kernel files are small; a longer one is cut here, never read without bound. */
const MAX_BYTES = 64 * 1024;

/** Reads a kernel file (e.g. /proc/cmdline) as text. */
export function readKernelFile(path: string): string {
  const fd = libc().open(cString(path), O_RDONLY);
  if (fd < 0) throw new Error(`open ${path}: errno ${errno()}`);
  try {
    const buffer = new Uint8Array(MAX_BYTES);
    let filled = 0;
    while (filled < buffer.length) {
      // Safety: read writes at most the count given into the subarray we pass.
      const n = Number(libc().read(fd, buffer.subarray(filled), BigInt(buffer.length - filled)));
      if (n < 0) throw new Error(`read ${path}: errno ${errno()}`);
      if (n === 0) break;
      filled += n;
    }
    return new TextDecoder().decode(buffer.subarray(0, filled));
  } finally {
    libc().close(fd);
  }
}

/** Writes `text` to a kernel file (e.g. a CPU's sysfs `online`) in one write. */
export function writeKernelFile(path: string, text: string): void {
  const fd = libc().open(cString(path), O_WRONLY);
  if (fd < 0) throw new Error(`open ${path}: errno ${errno()}`);
  try {
    const bytes = new TextEncoder().encode(text);
    // Safety: write reads exactly bytes.length bytes from a buffer we own.
    if (Number(libc().write(fd, bytes, BigInt(bytes.length))) !== bytes.length) {
      throw new Error(`write ${path}: errno ${errno()}`);
    }
  } finally {
    libc().close(fd);
  }
}

/** Whether anything exists at `path` (a device node Xen hot-plugs, a vCPU directory). */
export function kernelPathExists(path: string): boolean {
  return libc().access(cString(path), F_OK) === 0;
}
