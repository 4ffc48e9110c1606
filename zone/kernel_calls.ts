/**
 * Two kernel calls the zone's PID-1 agent makes under Xen, through libc: crediting
 * the host's random seed to the kernel's entropy pool (ioctl RNDADDENTROPY, which
 * no command-line tool does) and setting the hostname without forking hostname(1),
 * which costs a visible fraction of boot time under emulation. Needs --allow-ffi:
 * the agent has it in a Xen zone, not under the process driver.
 */
import { cString, errno } from "../xen/mod.ts";
import { libc, O_WRONLY } from "../xen/libc.ts";

/** _IOW('R', 0x03, int[2]) from <linux/random.h>. */
const RNDADDENTROPY = 0x40085203n;

/** Mixes `seed` into the pool and credits it as `seed.length * 8` bits of entropy. */
export function creditEntropy(seed: Uint8Array): void {
  // struct rand_pool_info { int entropy_count; int buf_size; __u32 buf[]; }
  const info = new Uint8Array(8 + Math.ceil(seed.length / 4) * 4);
  const view = new DataView(info.buffer);
  view.setInt32(0, seed.length * 8, true);
  view.setInt32(4, seed.length, true);
  info.set(seed, 8);
  const fd = libc().open(cString("/dev/urandom"), O_WRONLY);
  if (fd < 0) throw new Error(`open /dev/urandom: errno ${errno()}`);
  try {
    if (libc().ioctl(fd, RNDADDENTROPY, info) !== 0) {
      throw new Error(`ioctl RNDADDENTROPY: errno ${errno()}`);
    }
  } finally {
    libc().close(fd);
  }
}

export function setHostname(name: string): void {
  const bytes = new TextEncoder().encode(name);
  if (libc().sethostname(bytes, BigInt(bytes.length)) !== 0) {
    throw new Error(`sethostname ${name}: errno ${errno()}`);
  }
}
