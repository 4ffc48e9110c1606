/**
 * libxenstore binding (xenstore.h, libxenstore.so.4): read, write, directory,
 * mkdir, rm, permissions, transactions with retry, and watches as an async
 * iterator. Thin: no policy about which paths mean what.
 */
import { c, cString, errno, free, openXenLibrary, pollReadable, readCString } from "./c.ts";
import { XenError } from "./errors.ts";

const symbols = {
  /** struct xs_handle *xs_open(unsigned long flags) */
  xs_open: { parameters: ["u64"], result: "pointer" },
  /** void xs_close(struct xs_handle *xsh) */
  xs_close: { parameters: ["pointer"], result: "void" },
  /** void *xs_read(struct xs_handle *h, xs_transaction_t t, const char *path, unsigned int *len) */
  xs_read: { parameters: ["pointer", "u32", "buffer", "buffer"], result: "pointer" },
  /** bool xs_write(struct xs_handle *h, xs_transaction_t t, const char *path, const void *data, unsigned int len) */
  xs_write: { parameters: ["pointer", "u32", "buffer", "buffer", "u32"], result: "bool" },
  /** char **xs_directory(struct xs_handle *h, xs_transaction_t t, const char *path, unsigned int *num) */
  xs_directory: { parameters: ["pointer", "u32", "buffer", "buffer"], result: "pointer" },
  /** bool xs_mkdir(struct xs_handle *h, xs_transaction_t t, const char *path) */
  xs_mkdir: { parameters: ["pointer", "u32", "buffer"], result: "bool" },
  /** bool xs_rm(struct xs_handle *h, xs_transaction_t t, const char *path) */
  xs_rm: { parameters: ["pointer", "u32", "buffer"], result: "bool" },
  /** bool xs_set_permissions(struct xs_handle *h, xs_transaction_t t, const char *path, struct xs_permissions *perms, unsigned int num_perms) */
  xs_set_permissions: {
    parameters: ["pointer", "u32", "buffer", "buffer", "u32"],
    result: "bool",
  },
  /** xs_transaction_t xs_transaction_start(struct xs_handle *h) */
  xs_transaction_start: { parameters: ["pointer"], result: "u32" },
  /** bool xs_transaction_end(struct xs_handle *h, xs_transaction_t t, bool abort) */
  xs_transaction_end: { parameters: ["pointer", "u32", "bool"], result: "bool" },
  /** bool xs_watch(struct xs_handle *h, const char *path, const char *token) */
  xs_watch: { parameters: ["pointer", "buffer", "buffer"], result: "bool" },
  /** bool xs_unwatch(struct xs_handle *h, const char *path, const char *token) */
  xs_unwatch: { parameters: ["pointer", "buffer", "buffer"], result: "bool" },
  /** int xs_fileno(struct xs_handle *h) — readable when watch events are queued */
  xs_fileno: { parameters: ["pointer"], result: "i32" },
  /** char **xs_check_watch(struct xs_handle *h) — NULL + EAGAIN when none is pending */
  xs_check_watch: { parameters: ["pointer"], result: "pointer" },
} as const satisfies Deno.ForeignLibraryInterface;

type Symbols = Deno.DynamicLibrary<typeof symbols>["symbols"];

/** A watch firing: the path that changed and the token given to `watch`. */
export interface WatchEvent {
  path: string;
  token: string;
}

/** xenstore permission: `n` none, `r` read, `w` write, `b` both (first entry = owner). */
export interface XsPermission {
  domid: number;
  access: "n" | "r" | "w" | "b";
}

const ACCESS = { n: 0, r: 1, w: 2, b: 3 } as const;
const EAGAIN = 11;
const ENOENT = 2;
const XBT_NULL = 0;

/** One connection to xenstored. Opens lazily; `close` releases it. */
export class XenStore {
  #lib?: Symbols;
  #handle: Deno.PointerValue = null;

  constructor(private readonly library = "libxenstore.so.4") {}

  #h(): [Symbols, Deno.PointerObject] {
    this.#lib ??= openXenLibrary(this.library, symbols).symbols;
    if (this.#handle === null) {
      this.#handle = this.#lib.xs_open(0n);
      if (this.#handle === null) throw new XenError("xs_open", "", errno());
    }
    return [this.#lib, this.#handle];
  }

  /** The value at `path`, or undefined if there is none. */
  read(path: string, tx = XBT_NULL): string | undefined {
    const [lib, h] = this.#h();
    const len = new Uint32Array(1);
    const p = lib.xs_read(h, tx, cString(path), len);
    if (p === null) {
      const code = errno();
      if (code === ENOENT) return undefined;
      throw new XenError("xs_read", path, code);
    }
    // Safety: xs_read returned a malloc'd buffer of `len` bytes; copied, then freed.
    const bytes = new Uint8Array(Deno.UnsafePointerView.getArrayBuffer(p, len[0]).slice(0));
    free(p);
    return new TextDecoder().decode(bytes);
  }

  write(path: string, value: string, tx = XBT_NULL): void {
    const [lib, h] = this.#h();
    const data = new TextEncoder().encode(value);
    if (!lib.xs_write(h, tx, cString(path), data, data.length)) {
      throw new XenError("xs_write", path, errno());
    }
  }

  /** Child names under `path`; [] if it does not exist. */
  directory(path: string, tx = XBT_NULL): string[] {
    const [lib, h] = this.#h();
    const num = new Uint32Array(1);
    const p = lib.xs_directory(h, tx, cString(path), num);
    if (p === null) {
      const code = errno();
      if (code === ENOENT) return [];
      throw new XenError("xs_directory", path, code);
    }
    // Safety: one allocation holding `num` char* entries and their strings; freed once.
    const view = new Deno.UnsafePointerView(p);
    const names: string[] = [];
    for (let i = 0; i < num[0]; i++) {
      names.push(readCString(Deno.UnsafePointer.create(view.getBigUint64(i * 8))));
    }
    free(p);
    return names;
  }

  mkdir(path: string, tx = XBT_NULL): void {
    const [lib, h] = this.#h();
    if (!lib.xs_mkdir(h, tx, cString(path))) throw new XenError("xs_mkdir", path, errno());
  }

  /** Removes `path` and everything under it; no error if it is gone already. */
  rm(path: string, tx = XBT_NULL): void {
    const [lib, h] = this.#h();
    if (!lib.xs_rm(h, tx, cString(path))) {
      const code = errno();
      if (code !== ENOENT) throw new XenError("xs_rm", path, code);
    }
  }

  setPermissions(path: string, perms: XsPermission[], tx = XBT_NULL): void {
    const [lib, h] = this.#h();
    const buf = new Uint32Array(perms.length * 2); // struct xs_permissions { unsigned id, perms; }
    perms.forEach((p, i) => {
      buf[i * 2] = p.domid;
      buf[i * 2 + 1] = ACCESS[p.access];
    });
    if (!lib.xs_set_permissions(h, tx, cString(path), new Uint8Array(buf.buffer), perms.length)) {
      throw new XenError("xs_set_permissions", path, errno());
    }
  }

  /** Runs `body` in a transaction, retrying while xenstored reports a conflict (EAGAIN). */
  transaction<T>(body: (tx: number) => T, attempts = 16): T {
    const [lib, h] = this.#h();
    for (let i = 0; i < attempts; i++) {
      const tx = lib.xs_transaction_start(h);
      if (tx === XBT_NULL) throw new XenError("xs_transaction_start", "", errno());
      let result: T;
      try {
        result = body(tx);
      } catch (e) {
        lib.xs_transaction_end(h, tx, true);
        throw e;
      }
      if (lib.xs_transaction_end(h, tx, false)) return result;
      const code = errno();
      if (code !== EAGAIN) throw new XenError("xs_transaction_end", "", code);
    }
    throw new XenError(
      "xs_transaction_end",
      "",
      EAGAIN,
      `still conflicting after ${attempts} tries`,
    );
  }

  watch(path: string, token: string): void {
    const [lib, h] = this.#h();
    if (!lib.xs_watch(h, cString(path), cString(token))) {
      throw new XenError("xs_watch", path, errno());
    }
  }

  unwatch(path: string, token: string): void {
    const [lib, h] = this.#h();
    lib.xs_unwatch(h, cString(path), cString(token));
  }

  /**
   * Watch events as they fire, until `signal` aborts. Waits with poll() on the
   * handle's fd in short slices (off-thread), then drains xs_check_watch, which
   * never blocks. Use a handle of its own for watching.
   */
  async *events(signal: AbortSignal): AsyncGenerator<WatchEvent> {
    const [lib, h] = this.#h();
    const fd = lib.xs_fileno(h);
    if (fd < 0) throw new XenError("xs_fileno", "", errno());
    while (!signal.aborted) {
      while (true) {
        const p = lib.xs_check_watch(h);
        if (p === null) break;
        // Safety: char*[2] (path, token) in one allocation; freed once.
        const view = new Deno.UnsafePointerView(p);
        const event = {
          path: readCString(Deno.UnsafePointer.create(view.getBigUint64(0))),
          token: readCString(Deno.UnsafePointer.create(view.getBigUint64(8))),
        };
        free(p);
        yield event;
      }
      await pollReadable(fd, 500);
    }
  }

  close(): void {
    if (this.#lib && this.#handle !== null) this.#lib.xs_close(this.#handle);
    this.#handle = null;
  }
}

// Keep libc loaded with the module so errno is read from the same libc.
void c;
