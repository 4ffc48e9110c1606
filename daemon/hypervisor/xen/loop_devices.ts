/**
 * Loop devices, as dom0's kernel shows them: the bound ones (from sysfs) and
 * detaching one (ioctl LOOP_CLR_FD through libc). The daemon must not spawn
 * losetup: libxl owns SIGCHLD in this process and would reap the child itself.
 */
import { cString } from "../../../xen/mod.ts";

/** A bound loop device and the file behind it. */
export interface LoopDevice {
  /** `/dev/loop3` */
  device: string;
  /** The backing file as the kernel recorded it at attach time. */
  file: string;
}

/** Every bound loop device under `sysBlock` (`/sys/block` in production). */
export async function listLoopDevices(sysBlock = "/sys/block"): Promise<LoopDevice[]> {
  const out: LoopDevice[] = [];
  for await (const entry of Deno.readDir(sysBlock)) {
    if (!/^loop\d+$/.test(entry.name)) continue;
    try {
      // Only a bound device has loop/backing_file.
      const file = (await Deno.readTextFile(`${sysBlock}/${entry.name}/loop/backing_file`)).trim();
      out.push({ device: `/dev/${entry.name}`, file });
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
  }
  return out.sort((a, b) => a.device.localeCompare(b.device, "en", { numeric: true }));
}

const symbols = {
  /** int open(const char *pathname, int flags) — <fcntl.h>; off-thread: loop's open takes its mutex */
  open: { parameters: ["buffer", "i32"], result: "i32", nonblocking: true },
  /** int ioctl(int fd, unsigned long request, ...) — <sys/ioctl.h>; LOOP_CLR_FD takes no argument */
  ioctl: { parameters: ["i32", "u64", "u64"], result: "i32", nonblocking: true },
  /** int close(int fd) — <unistd.h> */
  close: { parameters: ["i32"], result: "i32" },
} as const satisfies Deno.ForeignLibraryInterface;

let libc: Deno.DynamicLibrary<typeof symbols>["symbols"] | undefined;
const c = () => libc ??= Deno.dlopen("libc.so.6", symbols).symbols;

/** From <linux/loop.h>. */
const LOOP_CLR_FD = 0x4c01n;
const O_RDONLY_CLOEXEC = 0o2000000;

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
    if (failed && (await listLoopDevices()).some((l) => l.device === device)) {
      throw new Error(`ioctl LOOP_CLR_FD on ${device} failed`);
    }
  } finally {
    c().close(fd);
  }
}
