/**
 * libc helpers every binding needs: C strings in and out, free(), errno, and
 * poll() for waiting on a library's file descriptor without parking a thread forever.
 */
import { XenUnavailableError } from "./errors.ts";

const encoder = new TextEncoder();

/** dlopen of a library the bindings need; a missing one (no Xen here) becomes XenUnavailableError. */
export function openXenLibrary<S extends Deno.ForeignLibraryInterface>(
  library: string,
  symbols: S,
): Deno.DynamicLibrary<S> {
  try {
    return Deno.dlopen(library, symbols);
  } catch (e) {
    throw new XenUnavailableError(library, e);
  }
}

/** A NUL-terminated copy of `text`, for `const char *` parameters. */
export function cString(text: string): Uint8Array<ArrayBuffer> {
  const bytes = encoder.encode(text);
  const out = new Uint8Array(bytes.length + 1);
  out.set(bytes);
  return out;
}

/** Reads a NUL-terminated string; "" for NULL. */
export function readCString(pointer: Deno.PointerValue): string {
  if (pointer === null) return "";
  // Safety: callers pass pointers the library just returned as `char *`.
  return new Deno.UnsafePointerView(pointer).getCString();
}

const symbols = {
  /** void free(void *ptr) — <stdlib.h> */
  free: { parameters: ["pointer"], result: "void" },
  /** int *__errno_location(void) — glibc <errno.h> */
  __errno_location: { parameters: [], result: "pointer" },
  /** FILE *fopen(const char *path, const char *mode) — <stdio.h> */
  fopen: { parameters: ["buffer", "buffer"], result: "pointer" },
  /** int fflush(FILE *stream) — <stdio.h> */
  fflush: { parameters: ["pointer"], result: "i32" },
  /** int poll(struct pollfd *fds, nfds_t nfds, int timeout) — <poll.h>; blocks, so off-thread. */
  poll: { parameters: ["buffer", "u64", "i32"], result: "i32", nonblocking: true },
} as const satisfies Deno.ForeignLibraryInterface;

let libc: Deno.DynamicLibrary<typeof symbols>["symbols"] | undefined;

/** libc, opened on first use. */
export function c(): Deno.DynamicLibrary<typeof symbols>["symbols"] {
  return libc ??= openXenLibrary("libc.so.6", symbols).symbols;
}

/** The calling thread's errno, read right after a failed synchronous call. */
export function errno(): number {
  const p = c().__errno_location();
  // Safety: glibc returns the thread's errno slot, always valid.
  return p ? new Deno.UnsafePointerView(p).getInt32() : 0;
}

/** Frees memory the library allocated with malloc and handed to us. */
export function free(pointer: Deno.PointerValue): void {
  if (pointer !== null) c().free(pointer);
}

/**
 * Waits until `fd` is readable, for at most `timeoutMs`; true if readable. Runs on
 * a worker thread and returns within the timeout, so closing a handle never
 * races a thread parked inside the library.
 */
export async function pollReadable(fd: number, timeoutMs: number): Promise<boolean> {
  const pollfd = new Uint8Array(8); // struct pollfd { int fd; short events; short revents; }
  const view = new DataView(pollfd.buffer);
  view.setInt32(0, fd, true);
  view.setInt16(4, 0x1, true); // POLLIN
  const n = await c().poll(pollfd, 1n, timeoutMs);
  return n > 0 && (view.getInt16(6, true) & 0x19) !== 0; // POLLIN | POLLERR | POLLHUP
}
