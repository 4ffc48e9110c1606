/**
 * The few plain libc calls of the Xen-side programs, opened lazily: the zone agent's
 * PID-1 duties (/proc, /sys, block devices, entropy, hostname) and the daemon's writes
 * to a zone's console pty. Both have --allow-ffi (Deno 2.9 needs it unscoped to read
 * pointers); they reach these paths through libc because Deno opens /proc, /sys and
 * /dev only under --allow-all (tested: "Requires all access to /proc/cmdline", and to
 * /dev/pts/N with --allow-write=/dev/pts).
 */
const symbols = {
  /** int open(const char *pathname, int flags) — <fcntl.h> */
  open: { parameters: ["buffer", "i32"], result: "i32" },
  /** ssize_t read(int fd, void *buf, size_t count) — <unistd.h> */
  read: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  /** ssize_t write(int fd, const void *buf, size_t count) — <unistd.h> */
  write: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  /** int close(int fd) — <unistd.h> */
  close: { parameters: ["i32"], result: "i32" },
  /** int access(const char *pathname, int mode) — <unistd.h> */
  access: { parameters: ["buffer", "i32"], result: "i32" },
  /** int ioctl(int fd, unsigned long request, ...) — <sys/ioctl.h>; here with one pointer */
  ioctl: { parameters: ["i32", "u64", "buffer"], result: "i32" },
  /** DIR *opendir(const char *name) — <dirent.h> */
  opendir: { parameters: ["buffer"], result: "pointer" },
  /** struct dirent *readdir(DIR *dirp) — <dirent.h> (glibc x86_64: d_name at offset 19) */
  readdir: { parameters: ["pointer"], result: "pointer" },
  /** int closedir(DIR *dirp) — <dirent.h> */
  closedir: { parameters: ["pointer"], result: "i32" },
  /** ssize_t readlink(const char *pathname, char *buf, size_t bufsiz) — <unistd.h> */
  readlink: { parameters: ["buffer", "buffer", "usize"], result: "isize" },
  /** int sethostname(const char *name, size_t len) — <unistd.h> */
  sethostname: { parameters: ["buffer", "usize"], result: "i32" },
} as const satisfies Deno.ForeignLibraryInterface;

let handle: Deno.DynamicLibrary<typeof symbols>["symbols"] | undefined;

/** libc's symbols, opened on first use. */
export const libc = () => handle ??= Deno.dlopen("libc.so.6", symbols).symbols;

export const O_RDONLY = 0;
export const O_WRONLY = 1;
/** Opening a terminal must not make it the daemon's controlling terminal. */
export const O_NOCTTY = 0o400;
export const F_OK = 0;
