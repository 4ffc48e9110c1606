/**
 * libxenlight binding (libxl.h and _libxl_types.h of Xen 4.17, libxenlight.so.4.17).
 * Domains are described as libxl JSON; every struct we fill comes from JSON so the
 * only layouts we depend on are the ones we read (dominfo, cputopology,
 * version_info), measured with gcc against the 4.17 headers. Calls that wait on
 * the guest or on hotplug scripts are `nonblocking` (a worker thread, ao_how=NULL).
 */
import { cString, free, openXenLibrary, readCString } from "./c.ts";
import { XenError } from "./errors.ts";
import type { ToolLogger } from "./toollog.ts";

const symbols = {
  /** int libxl_ctx_alloc(libxl_ctx **pctx, int version, unsigned flags, xentoollog_logger *lg) */
  libxl_ctx_alloc: { parameters: ["buffer", "i32", "u32", "pointer"], result: "i32" },
  /** int libxl_ctx_free(libxl_ctx *ctx) */
  libxl_ctx_free: { parameters: ["pointer"], result: "i32" },
  /** const libxl_version_info *libxl_get_version_info(libxl_ctx *ctx) */
  libxl_get_version_info: { parameters: ["pointer"], result: "pointer" },
  /** void libxl_domain_config_init(libxl_domain_config *p) */
  libxl_domain_config_init: { parameters: ["buffer"], result: "void" },
  /** void libxl_domain_config_dispose(libxl_domain_config *p) */
  libxl_domain_config_dispose: { parameters: ["buffer"], result: "void" },
  /** int libxl_domain_config_from_json(libxl_ctx *ctx, libxl_domain_config *p, const char *s) */
  libxl_domain_config_from_json: { parameters: ["pointer", "buffer", "buffer"], result: "i32" },
  /** char *libxl_domain_config_to_json(libxl_ctx *ctx, libxl_domain_config *p) */
  libxl_domain_config_to_json: { parameters: ["pointer", "buffer"], result: "pointer" },
  /** int libxl_domain_create_new(libxl_ctx *ctx, libxl_domain_config *d_config, uint32_t *domid, const libxl_asyncop_how *ao_how, const libxl_asyncprogress_how *aop_console_how) */
  libxl_domain_create_new: {
    parameters: ["pointer", "buffer", "buffer", "pointer", "pointer"],
    result: "i32",
    nonblocking: true,
  },
  /** int libxl_domain_unpause(libxl_ctx *ctx, uint32_t domid, const libxl_asyncop_how *ao_how) */
  libxl_domain_unpause: { parameters: ["pointer", "u32", "pointer"], result: "i32" },
  /** int libxl_domain_pause(libxl_ctx *ctx, uint32_t domid, const libxl_asyncop_how *ao_how) */
  libxl_domain_pause: { parameters: ["pointer", "u32", "pointer"], result: "i32" },
  /** int libxl_domain_rename(libxl_ctx *ctx, uint32_t domid, const char *old_name, const char *new_name) */
  libxl_domain_rename: { parameters: ["pointer", "u32", "pointer", "buffer"], result: "i32" },
  /** int libxl_domain_shutdown(libxl_ctx *ctx, uint32_t domid, const libxl_asyncop_how *ao_how) */
  libxl_domain_shutdown: { parameters: ["pointer", "u32", "pointer"], result: "i32" },
  /** int libxl_domain_destroy(libxl_ctx *ctx, uint32_t domid, const libxl_asyncop_how *ao_how) */
  libxl_domain_destroy: {
    parameters: ["pointer", "u32", "pointer"],
    result: "i32",
    nonblocking: true,
  },
  /** libxl_dominfo *libxl_list_domain(libxl_ctx *ctx, int *nb_domain_out) */
  libxl_list_domain: { parameters: ["pointer", "buffer"], result: "pointer" },
  /** void libxl_dominfo_list_free(libxl_dominfo *list, int nb_domain) */
  libxl_dominfo_list_free: { parameters: ["pointer", "i32"], result: "void" },
  /** int libxl_retrieve_domain_configuration(libxl_ctx *ctx, uint32_t domid, libxl_domain_config *d_config, const libxl_asyncop_how *ao_how) */
  libxl_retrieve_domain_configuration: {
    parameters: ["pointer", "u32", "buffer", "pointer"],
    result: "i32",
    nonblocking: true,
  },
  /** int libxl_set_memory_target(libxl_ctx *ctx, uint32_t domid, int64_t target_memkb, int relative, int enforce) */
  libxl_set_memory_target: {
    parameters: ["pointer", "u32", "i64", "i32", "i32"],
    result: "i32",
    nonblocking: true,
  },
  /** int libxl_set_vcpuonline(libxl_ctx *ctx, uint32_t domid, libxl_bitmap *cpumap, const libxl_asyncop_how *ao_how) */
  libxl_set_vcpuonline: {
    parameters: ["pointer", "u32", "buffer", "pointer"],
    result: "i32",
    nonblocking: true,
  },
  /** void libxl_device_disk_init(libxl_device_disk *p) */
  libxl_device_disk_init: { parameters: ["buffer"], result: "void" },
  /** void libxl_device_disk_dispose(libxl_device_disk *p) */
  libxl_device_disk_dispose: { parameters: ["buffer"], result: "void" },
  /** int libxl_device_disk_from_json(libxl_ctx *ctx, libxl_device_disk *p, const char *s) */
  libxl_device_disk_from_json: { parameters: ["pointer", "buffer", "buffer"], result: "i32" },
  /** int libxl_device_disk_add(libxl_ctx *ctx, uint32_t domid, libxl_device_disk *disk, const libxl_asyncop_how *ao_how) */
  libxl_device_disk_add: {
    parameters: ["pointer", "u32", "buffer", "pointer"],
    result: "i32",
    nonblocking: true,
  },
  /** int libxl_device_disk_remove(libxl_ctx *ctx, uint32_t domid, libxl_device_disk *disk, const libxl_asyncop_how *ao_how) */
  libxl_device_disk_remove: {
    parameters: ["pointer", "u32", "buffer", "pointer"],
    result: "i32",
    nonblocking: true,
  },
  /** void libxl_device_pci_init(libxl_device_pci *p) */
  libxl_device_pci_init: { parameters: ["buffer"], result: "void" },
  /** void libxl_device_pci_dispose(libxl_device_pci *p) */
  libxl_device_pci_dispose: { parameters: ["buffer"], result: "void" },
  /** int libxl_device_pci_from_json(libxl_ctx *ctx, libxl_device_pci *p, const char *s) (_libxl_types.h) */
  libxl_device_pci_from_json: { parameters: ["pointer", "buffer", "buffer"], result: "i32" },
  /** int libxl_device_pci_assignable_add(libxl_ctx *ctx, libxl_device_pci *pci, int rebind) */
  libxl_device_pci_assignable_add: {
    parameters: ["pointer", "buffer", "i32"],
    result: "i32",
    nonblocking: true,
  },
  /** int libxl_device_pci_add(libxl_ctx *ctx, uint32_t domid, libxl_device_pci *pci, const libxl_asyncop_how *ao_how) */
  libxl_device_pci_add: {
    parameters: ["pointer", "u32", "buffer", "pointer"],
    result: "i32",
    nonblocking: true,
  },
  /** int libxl_device_pci_remove(libxl_ctx *ctx, uint32_t domid, libxl_device_pci *pci, const libxl_asyncop_how *ao_how) */
  libxl_device_pci_remove: {
    parameters: ["pointer", "u32", "buffer", "pointer"],
    result: "i32",
    nonblocking: true,
  },
  /** libxl_cputopology *libxl_get_cpu_topology(libxl_ctx *ctx, int *nb_cpu_out) */
  libxl_get_cpu_topology: { parameters: ["pointer", "buffer"], result: "pointer" },
  /** void libxl_cputopology_list_free(libxl_cputopology *, int nb_cpu) */
  libxl_cputopology_list_free: { parameters: ["pointer", "i32"], result: "void" },
} as const satisfies Deno.ForeignLibraryInterface;

type Symbols = Deno.DynamicLibrary<typeof symbols>["symbols"];

// Struct sizes for Xen 4.17 (gcc, sizeof against libxen-dev 4.17.7), rounded up.
const SIZEOF_DOMAIN_CONFIG = 1288;
const SIZEOF_DEVICE_DISK = 144;
const SIZEOF_DEVICE_PCI = 32;
const SIZEOF_DOMINFO = 120;
const SIZEOF_CPUTOPOLOGY = 12;

/** One domain as libxl_list_domain reports it (libxl_dominfo). */
export interface DomainInfo {
  domid: number;
  uuid: string;
  running: boolean;
  blocked: boolean;
  paused: boolean;
  shutdown: boolean;
  dying: boolean;
  /** LIBXL_SHUTDOWN_REASON_*: 0 poweroff, 1 reboot, 2 suspend, 3 crash, 4 watchdog, 5 soft reset; -1 unknown. */
  shutdownReason: number;
  currentMemoryKb: bigint;
  maxMemoryKb: bigint;
  cpuTimeNs: bigint;
  /** The highest vCPU ID the domain has (its vCPU count less one). */
  maxVcpuId: number;
  onlineVcpus: number;
}

export interface CpuTopology {
  cpu: number;
  core: number;
  socket: number;
  node: number;
}

/** The libxl shutdown reasons, named. */
export const SHUTDOWN_REASONS: Record<number, string> = {
  0: "poweroff",
  1: "reboot",
  2: "suspend",
  3: "crash",
  4: "watchdog",
  5: "soft_reset",
};

function uuidOf(view: Deno.UnsafePointerView, offset: number): string {
  const hex = Array.from(
    new Uint8Array(view.getArrayBuffer(16, offset)),
    (b) => b.toString(16).padStart(2, "0"),
  ).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${
    hex.slice(20)
  }`;
}

/** Reads one libxl_dominfo at `offset` of `view` (layout: _libxl_types.h, 4.17). */
function readDominfo(view: Deno.UnsafePointerView, offset: number): DomainInfo {
  return {
    uuid: uuidOf(view, offset),
    domid: view.getUint32(offset + 16),
    running: view.getUint8(offset + 32) !== 0,
    blocked: view.getUint8(offset + 33) !== 0,
    paused: view.getUint8(offset + 34) !== 0,
    shutdown: view.getUint8(offset + 35) !== 0,
    dying: view.getUint8(offset + 36) !== 0,
    shutdownReason: view.getInt32(offset + 40),
    currentMemoryKb: view.getBigUint64(offset + 56),
    maxMemoryKb: view.getBigUint64(offset + 80),
    cpuTimeNs: view.getBigUint64(offset + 88),
    maxVcpuId: view.getUint32(offset + 96),
    onlineVcpus: view.getUint32(offset + 100),
  };
}

/** A libxl context. Opens lazily (needs root and a running xenstored). */
export class Libxl {
  #lib?: Symbols;
  #ctx: Deno.PointerValue = null;

  constructor(
    private readonly logger: () => ToolLogger,
    private readonly library = "libxenlight.so.4.17",
  ) {}

  #c(): [Symbols, Deno.PointerObject] {
    this.#lib ??= openXenLibrary(this.library, symbols).symbols;
    if (this.#ctx === null) {
      const out = new BigUint64Array(1);
      const rc = this.#lib.libxl_ctx_alloc(
        new Uint8Array(out.buffer),
        0, // LIBXL_VERSION
        0,
        this.logger().pointer,
      );
      if (rc !== 0) throw new XenError("libxl_ctx_alloc", "", rc);
      this.#ctx = Deno.UnsafePointer.create(out[0]);
    }
    return [this.#lib, this.#ctx!];
  }

  /** "4.17.7+13-g2445b30a44" style. */
  version(): string {
    const [lib, ctx] = this.#c();
    const p = lib.libxl_get_version_info(ctx);
    if (p === null) return "";
    // Safety: libxl owns the version struct for the context's lifetime; read only.
    const v = new Deno.UnsafePointerView(p);
    const extra = readCString(Deno.UnsafePointer.create(v.getBigUint64(8)));
    return `${v.getInt32(0)}.${v.getInt32(4)}${extra}`;
  }

  /**
   * Creates a domain from libxl JSON (paused, as libxl leaves it) and returns its
   * domid. On failure libxl has already torn down what it built.
   */
  async createDomain(configJson: string): Promise<number> {
    const [lib, ctx] = this.#c();
    const config = new Uint8Array(SIZEOF_DOMAIN_CONFIG);
    lib.libxl_domain_config_init(config);
    try {
      const rc = lib.libxl_domain_config_from_json(ctx, config, cString(configJson));
      if (rc !== 0) throw new XenError("libxl_domain_config_from_json", "zone config", rc);
      const domid = new Uint32Array(1);
      const created = await lib.libxl_domain_create_new(
        ctx,
        config,
        new Uint8Array(domid.buffer),
        null,
        null,
      );
      if (created !== 0) throw new XenError("libxl_domain_create_new", "zone", created);
      return domid[0];
    } finally {
      lib.libxl_domain_config_dispose(config);
    }
  }

  unpause(domid: number): void {
    const [lib, ctx] = this.#c();
    const rc = lib.libxl_domain_unpause(ctx, domid, null);
    if (rc !== 0) throw new XenError("libxl_domain_unpause", `domain ${domid}`, rc);
  }

  pause(domid: number): void {
    const [lib, ctx] = this.#c();
    const rc = lib.libxl_domain_pause(ctx, domid, null);
    if (rc !== 0) throw new XenError("libxl_domain_pause", `domain ${domid}`, rc);
  }

  /**
   * Renames a domain (its xenstore name, as `xl list` shows it). libxl refuses a name
   * another domain has; old_name NULL means any current name.
   */
  rename(domid: number, name: string): void {
    const [lib, ctx] = this.#c();
    const rc = lib.libxl_domain_rename(ctx, domid, null, cString(name));
    if (rc !== 0) throw new XenError("libxl_domain_rename", `domain ${domid} to ${name}`, rc);
  }

  /** Asks the guest to shut down (PV control node); does not wait. */
  shutdown(domid: number): void {
    const [lib, ctx] = this.#c();
    const rc = lib.libxl_domain_shutdown(ctx, domid, null);
    if (rc !== 0) throw new XenError("libxl_domain_shutdown", `domain ${domid}`, rc);
  }

  /** Destroys the domain and its backends; ERROR_DOMAIN_NOTFOUND is not an error. */
  async destroy(domid: number): Promise<void> {
    const [lib, ctx] = this.#c();
    const rc = await lib.libxl_domain_destroy(ctx, domid, null);
    if (rc !== 0 && rc !== -21) throw new XenError("libxl_domain_destroy", `domain ${domid}`, rc);
  }

  listDomains(): DomainInfo[] {
    const [lib, ctx] = this.#c();
    const count = new Int32Array(1);
    const p = lib.libxl_list_domain(ctx, new Uint8Array(count.buffer));
    if (p === null) throw new XenError("libxl_list_domain", "", -3);
    // Safety: an array of `count` libxl_dominfo structs, freed with the list call.
    const view = new Deno.UnsafePointerView(p);
    const out: DomainInfo[] = [];
    for (let i = 0; i < count[0]; i++) out.push(readDominfo(view, i * SIZEOF_DOMINFO));
    lib.libxl_dominfo_list_free(p, count[0]);
    return out;
  }

  /** The domain's current configuration, as libxl JSON. */
  async domainConfigJson(domid: number): Promise<string> {
    const [lib, ctx] = this.#c();
    const config = new Uint8Array(SIZEOF_DOMAIN_CONFIG);
    lib.libxl_domain_config_init(config);
    try {
      const rc = await lib.libxl_retrieve_domain_configuration(ctx, domid, config, null);
      if (rc !== 0) {
        throw new XenError("libxl_retrieve_domain_configuration", `domain ${domid}`, rc);
      }
      const json = lib.libxl_domain_config_to_json(ctx, config);
      const text = readCString(json);
      free(json);
      return text;
    } finally {
      lib.libxl_domain_config_dispose(config);
    }
  }

  async setMemoryTarget(domid: number, targetKb: bigint): Promise<void> {
    const [lib, ctx] = this.#c();
    const rc = await lib.libxl_set_memory_target(ctx, domid, targetKb, 0, 1);
    if (rc !== 0) throw new XenError("libxl_set_memory_target", `domain ${domid}`, rc);
  }

  /** Brings vCPUs 0..count-1 online and the rest offline. */
  async setOnlineVcpus(domid: number, count: number, maxVcpus: number): Promise<void> {
    const [lib, ctx] = this.#c();
    const map = new Uint8Array(Math.ceil(maxVcpus / 8));
    for (let i = 0; i < count; i++) map[i >> 3] |= 1 << (i & 7);
    const bitmap = new Uint8Array(16); // libxl_bitmap { uint32_t size; uint8_t *map; }
    const view = new DataView(bitmap.buffer);
    view.setUint32(0, map.length, true);
    // Safety: `map` outlives the call (held by this frame until the await resolves).
    view.setBigUint64(8, BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(map))), true);
    const rc = await lib.libxl_set_vcpuonline(ctx, domid, bitmap, null);
    if (rc !== 0) throw new XenError("libxl_set_vcpuonline", `domain ${domid}`, rc);
  }

  /** Hot-adds a disk described by libxl_device_disk JSON (runs the hotplug script). */
  async addDisk(domid: number, diskJson: string): Promise<void> {
    await this.#withDisk(domid, diskJson, "libxl_device_disk_add");
  }

  /** Removes a disk (the guest closes it, the backend goes, the hotplug script cleans up). */
  async removeDisk(domid: number, diskJson: string): Promise<void> {
    await this.#withDisk(domid, diskJson, "libxl_device_disk_remove");
  }

  async #withDisk(
    domid: number,
    diskJson: string,
    call: "libxl_device_disk_add" | "libxl_device_disk_remove",
  ): Promise<void> {
    const [lib, ctx] = this.#c();
    const disk = new Uint8Array(SIZEOF_DEVICE_DISK);
    lib.libxl_device_disk_init(disk);
    try {
      const parsed = lib.libxl_device_disk_from_json(ctx, disk, cString(diskJson));
      if (parsed !== 0) throw new XenError("libxl_device_disk_from_json", diskJson, parsed);
      const rc = await lib[call](ctx, domid, disk, null);
      if (rc !== 0) throw new XenError(call, `domain ${domid}`, rc);
    } finally {
      lib.libxl_device_disk_dispose(disk);
    }
  }

  /**
   * Binds a PCI function to xen-pciback (unbinding it from a host driver, whose name libxl
   * keeps so `rebind` can give it back); a no-op for one already there.
   */
  async makePciAssignable(pciJson: string): Promise<void> {
    await this.#withPci(
      pciJson,
      (lib, ctx, pci) => lib.libxl_device_pci_assignable_add(ctx, pci, 1),
      "libxl_device_pci_assignable_add",
      "",
    );
  }

  /** Passes a PCI function (libxl_device_pci JSON) through to a running domain. */
  async addPci(domid: number, pciJson: string): Promise<void> {
    await this.#withPci(
      pciJson,
      (lib, ctx, pci) => lib.libxl_device_pci_add(ctx, domid, pci, null),
      "libxl_device_pci_add",
      `domain ${domid}`,
    );
  }

  /** Takes a PCI function back from a domain (it stays bound to xen-pciback). */
  async removePci(domid: number, pciJson: string): Promise<void> {
    await this.#withPci(
      pciJson,
      (lib, ctx, pci) => lib.libxl_device_pci_remove(ctx, domid, pci, null),
      "libxl_device_pci_remove",
      `domain ${domid}`,
    );
  }

  async #withPci(
    pciJson: string,
    call: (lib: Symbols, ctx: Deno.PointerValue, pci: Uint8Array) => Promise<number>,
    name: string,
    context: string,
  ): Promise<void> {
    const [lib, ctx] = this.#c();
    const pci = new Uint8Array(SIZEOF_DEVICE_PCI);
    lib.libxl_device_pci_init(pci);
    try {
      const parsed = lib.libxl_device_pci_from_json(ctx, pci, cString(pciJson));
      if (parsed !== 0) throw new XenError("libxl_device_pci_from_json", pciJson, parsed);
      // Safety: `pci` is a libxl_device_pci filled by libxl and held by this frame until the
      // call resolves; dispose frees the strings libxl allocated in it.
      const rc = await call(lib, ctx, pci);
      if (rc !== 0) throw new XenError(name, `${context} ${pciJson}`.trim(), rc);
    } finally {
      lib.libxl_device_pci_dispose(pci);
    }
  }

  cpuTopology(): CpuTopology[] {
    const [lib, ctx] = this.#c();
    const count = new Int32Array(1);
    const p = lib.libxl_get_cpu_topology(ctx, new Uint8Array(count.buffer));
    if (p === null) throw new XenError("libxl_get_cpu_topology", "", -3);
    // Safety: `count` libxl_cputopology structs (3 x uint32), freed with the list call.
    const view = new Deno.UnsafePointerView(p);
    const out: CpuTopology[] = [];
    for (let i = 0; i < count[0]; i++) {
      const o = i * SIZEOF_CPUTOPOLOGY;
      out.push({
        cpu: i,
        core: view.getUint32(o),
        socket: view.getUint32(o + 4),
        node: view.getUint32(o + 8),
      });
    }
    lib.libxl_cputopology_list_free(p, count[0]);
    return out;
  }

  close(): void {
    if (this.#lib && this.#ctx !== null) this.#lib.libxl_ctx_free(this.#ctx);
    this.#ctx = null;
  }
}
