/**
 * Kernel files (/proc, /sys) and device nodes through libc, for the agent in a Xen zone
 * and for the daemon in dom0: Deno opens those paths only under --allow-all, and both run
 * under permission sets of their own (deno.json "zone-xen", "daemon-xen") whose FFI grant
 * makes these calls.
 */
import { cString, errno } from "./c.ts";
import { F_OK, libc, O_RDONLY, O_WRONLY } from "./libc.ts";

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

/** struct dirent's d_name offset (glibc, x86_64: d_ino, d_off, d_reclen, d_type). */
const D_NAME_OFFSET = 19;

/** The entries of a kernel directory (e.g. /sys/class/block), without "." and "..". */
export function listKernelDir(path: string): string[] {
  const dir = libc().opendir(cString(path));
  if (dir === null) throw new Error(`opendir ${path}: errno ${errno()}`);
  try {
    const names: string[] = [];
    for (let entry = libc().readdir(dir); entry !== null; entry = libc().readdir(dir)) {
      // Safety: readdir's entry stays valid until the next readdir/closedir on `dir`; its
      // d_name is NUL-terminated within the struct.
      const name = new Deno.UnsafePointerView(entry).getCString(D_NAME_OFFSET);
      if (name !== "." && name !== "..") names.push(name);
    }
    return names;
  } finally {
    libc().closedir(dir);
  }
}

/** A symlink's target (e.g. a PCI device's `driver`), or undefined when it is not one. */
export function readKernelLink(path: string): string | undefined {
  const buffer = new Uint8Array(4096);
  // Safety: readlink writes at most buffer.length bytes and no terminator.
  const n = Number(libc().readlink(cString(path), buffer, BigInt(buffer.length)));
  return n < 0 ? undefined : new TextDecoder().decode(buffer.subarray(0, n));
}

/** Whether anything exists at `path` (a device node Xen hot-plugs, a vCPU directory). */
export function kernelPathExists(path: string): boolean {
  return libc().access(cString(path), F_OK) === 0;
}
