/**
 * Loop devices, as dom0's kernel shows them: the bound ones (from sysfs) and
 * detaching one (ioctl LOOP_CLR_FD). All through libc: the daemon must not spawn
 * losetup (libxl owns SIGCHLD in this process and would reap the child itself),
 * and Deno's own file API refuses /sys without --allow-all.
 */
import { cString } from "../../../xen/mod.ts";

/** A bound loop device and the file behind it. */
export interface LoopDevice {
  /** `/dev/loop3` */
  device: string;
  /** The backing file as the kernel recorded it at attach time. */
  file: string;
}

const symbols = {
  /** int open(const char *pathname, int flags) — <fcntl.h>; nonblocking: a loop's open takes its mutex */
  open: { parameters: ["buffer", "i32"], result: "i32", nonblocking: true },
  /** int open(const char *pathname, int flags) — <fcntl.h>; for sysfs attributes, which never block */
  openSync: { name: "open", parameters: ["buffer", "i32"], result: "i32" },
  /** ssize_t read(int fd, void *buf, size_t count) — <unistd.h> */
  read: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  /** int access(const char *pathname, int mode) — <unistd.h> */
  access: { parameters: ["buffer", "i32"], result: "i32" },
  /** int ioctl(int fd, unsigned long request, ...) — <sys/ioctl.h>; LOOP_CLR_FD takes no argument */
  ioctl: { parameters: ["i32", "u64", "u64"], result: "i32", nonblocking: true },
  /** int close(int fd) — <unistd.h> */
  close: { parameters: ["i32"], result: "i32" },
} as const satisfies Deno.ForeignLibraryInterface;

/** From <linux/loop.h> and <fcntl.h>. */
const LOOP_CLR_FD = 0x4c01n;
const O_RDONLY_CLOEXEC = 0o2000000;

let libc: Deno.DynamicLibrary<typeof symbols>["symbols"] | undefined;
const c = () => libc ??= Deno.dlopen("libc.so.6", symbols).symbols;

/** A sysfs attribute's text (at most 4 KiB, as sysfs), or undefined if it does not exist. */
function readAttribute(path: string): string | undefined {
  const fd = c().openSync(cString(path), O_RDONLY_CLOEXEC);
  if (fd < 0) return undefined;
  try {
    const buffer = new Uint8Array(4096);
    const n = Number(c().read(fd, buffer, BigInt(buffer.length)));
    return n < 0 ? undefined : new TextDecoder().decode(buffer.subarray(0, n)).trim();
  } finally {
    c().close(fd);
  }
}

/**
 * Every bound loop device under `sysBlock` (`/sys/block` in production). The
 * kernel numbers loop devices from 0 as it needs them, so the walk stops at the
 * first number with no device.
 */
export function listLoopDevices(sysBlock = "/sys/block"): LoopDevice[] {
  const out: LoopDevice[] = [];
  for (let n = 0; c().access(cString(`${sysBlock}/loop${n}`), 0 /* F_OK */) === 0; n++) {
    // Only a bound device has loop/backing_file.
    const file = readAttribute(`${sysBlock}/loop${n}/loop/backing_file`);
    if (file !== undefined) out.push({ device: `/dev/loop${n}`, file });
  }
  return out;
}

/**
 * Detaches `device` from its file. If something still holds it open (blkback of a
 * dying domain), the kernel marks it to detach on last close instead. The calls run
 * off the event loop (errno is then another thread's), so a failure says only
 * which call failed; a device that is no longer bound counts as detached.
 */
export async function detachLoopDevice(device: string): Promise<void> {
  if (!/^\/dev\/loop\d+$/.test(device)) throw new Error(`not a loop device: ${device}`);
  const fd = await c().open(cString(device), O_RDONLY_CLOEXEC);
  if (fd < 0) throw new Error(`open ${device} failed`);
  try {
    const failed = await c().ioctl(fd, LOOP_CLR_FD, 0n) !== 0;
    if (failed && listLoopDevices().some((l) => l.device === device)) {
      throw new Error(`ioctl LOOP_CLR_FD on ${device} failed`);
    }
  } finally {
    c().close(fd);
  }
}
