/** A failed call into a Xen library: which call, on what, and the errno or libxl code. */
export class XenError extends Error {
  constructor(
    /** The C function that failed, e.g. "xs_read". */
    readonly call: string,
    /** What it was asked to act on (a path, a domid), for the message. */
    readonly subject: string,
    /** errno for libxenstore/libxenctrl/libxenvchan; a libxl ERROR_* code (negative) for libxl. */
    readonly code: number,
    detail?: string,
  ) {
    super(`${call}(${subject}) failed: ${detail ?? describe(code)}`);
    this.name = "XenError";
  }
}

/** The library is not installed or not loadable (no Xen on this host). */
export class XenUnavailableError extends Error {
  constructor(library: string, cause: unknown) {
    super(`cannot load ${library}: ${cause instanceof Error ? cause.message : cause}`);
    this.name = "XenUnavailableError";
  }
}

const ERRNO: Record<number, string> = {
  1: "EPERM",
  2: "ENOENT",
  3: "ESRCH",
  5: "EIO",
  11: "EAGAIN",
  12: "ENOMEM",
  13: "EACCES",
  16: "EBUSY",
  17: "EEXIST",
  22: "EINVAL",
  28: "ENOSPC",
  110: "ETIMEDOUT",
};

/** libxl's ERROR_* codes (_libxl_types.h, enum libxl_error). */
export const LIBXL_ERRORS: Record<number, string> = {
  [-1]: "ERROR_NONSPECIFIC",
  [-2]: "ERROR_VERSION",
  [-3]: "ERROR_FAIL",
  [-4]: "ERROR_NI",
  [-5]: "ERROR_NOMEM",
  [-6]: "ERROR_INVAL",
  [-7]: "ERROR_BADFAIL",
  [-8]: "ERROR_GUEST_TIMEDOUT",
  [-9]: "ERROR_TIMEDOUT",
  [-10]: "ERROR_NOPARAVIRT",
  [-11]: "ERROR_NOT_READY",
  [-15]: "ERROR_LOCK_FAIL",
  [-16]: "ERROR_JSON_CONFIG_EMPTY",
  [-17]: "ERROR_DEVICE_EXISTS",
  [-21]: "ERROR_DOMAIN_NOTFOUND",
  [-22]: "ERROR_ABORTED",
  [-23]: "ERROR_NOTFOUND",
  [-24]: "ERROR_DOMAIN_DESTROYED",
};

function describe(code: number): string {
  if (code < 0) return `libxl ${LIBXL_ERRORS[code] ?? "error"} (${code})`;
  return `${ERRNO[code] ?? "errno"} (${code})`;
}
