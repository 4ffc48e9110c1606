/**
 * libxentoollog binding (xentoollog.h, libxentoollog.so.1). The Xen libraries log
 * through a xentoollog_logger; C callbacks with a va_list cannot be written in
 * Deno, so the logger writes to a file that the daemon tails into its own log.
 */
import { c, cString, errno, openXenLibrary } from "./c.ts";
import { XenError } from "./errors.ts";

const symbols = {
  /** xentoollog_logger_stdiostream *xtl_createlogger_stdiostream(FILE *f, xentoollog_level min_level, unsigned flags) */
  xtl_createlogger_stdiostream: { parameters: ["pointer", "i32", "u32"], result: "pointer" },
  /** void xtl_logger_destroy(struct xentoollog_logger *logger) */
  xtl_logger_destroy: { parameters: ["pointer"], result: "void" },
} as const satisfies Deno.ForeignLibraryInterface;

/** xentoollog_level (xentoollog.h). */
export const XtlLevel = { DEBUG: 1, DETAIL: 3, INFO: 5, WARN: 7, ERROR: 8 } as const;

const XTL_STDIOSTREAM_HIDE_PROGRESS = 0o4;

/** A logger that appends the libraries' messages to `path`. */
export class ToolLogger {
  readonly pointer: Deno.PointerObject;
  #lib: Deno.DynamicLibrary<typeof symbols>;

  constructor(readonly path: string, level: number = XtlLevel.INFO) {
    this.#lib = openXenLibrary("libxentoollog.so.1", symbols);
    const file = c().fopen(cString(path), cString("a"));
    if (file === null) throw new XenError("fopen", path, errno());
    // Safety: the FILE* stays open for the logger's lifetime (never fclosed).
    const logger = this.#lib.symbols.xtl_createlogger_stdiostream(
      file,
      level,
      XTL_STDIOSTREAM_HIDE_PROGRESS,
    );
    if (logger === null) throw new XenError("xtl_createlogger_stdiostream", path, errno());
    this.pointer = logger;
  }

  destroy(): void {
    this.#lib.symbols.xtl_logger_destroy(this.pointer);
  }
}
