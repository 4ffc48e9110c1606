import { cString, errno } from "./c.ts";
import { XenError } from "./errors.ts";
import { libc, O_NOCTTY, O_WRONLY } from "./libc.ts";

/** The pty slaves xenconsoled names in xenstore (`/local/domain/N/console/tty`). */
const PTY = /^\/dev\/pts\/\d{1,6}$/;

/**
 * The write end of a domain's console: xenconsoled's pty slave, which it relays to the
 * guest's hvc0 as input (as `xl console` does). Output is read elsewhere (the log).
 */
export class ConsoleTty {
  #fd: number;

  constructor(readonly path: string) {
    if (!PTY.test(path)) throw new XenError("open", path.slice(0, 60), 22, "not a console pty");
    this.#fd = libc().open(cString(path), O_WRONLY | O_NOCTTY);
    if (this.#fd < 0) throw new XenError("open", path, errno());
  }

  /** Writes all of `data` (keystrokes: small, and the pty is raw). */
  write(data: Uint8Array): void {
    if (this.#fd < 0) throw new XenError("write", this.path, 9, "closed");
    let done = 0;
    while (done < data.length) {
      // Safety: write reads at most the count given from the subarray we own.
      const n = Number(libc().write(this.#fd, data.subarray(done), BigInt(data.length - done)));
      if (n < 0) throw new XenError("write", this.path, errno());
      done += n;
    }
  }

  close(): void {
    if (this.#fd >= 0) libc().close(this.#fd);
    this.#fd = -1;
  }
}
