/**
 * libxenctrl binding (xenctrl.h, libxenctrl.so.4.17): the hypervisor's own facts
 * (physinfo with capabilities) and its console ring. Domain lifecycle goes
 * through libxl; this is the lower-level view `host hv-console` reads.
 */
import { errno, openXenLibrary } from "./c.ts";
import { XenError } from "./errors.ts";

const symbols = {
  /** xc_interface *xc_interface_open(xentoollog_logger *logger, xentoollog_logger *dombuild_logger, unsigned open_flags) */
  xc_interface_open: { parameters: ["pointer", "pointer", "u32"], result: "pointer" },
  /** int xc_interface_close(xc_interface *xch) */
  xc_interface_close: { parameters: ["pointer"], result: "i32" },
  /** int xc_physinfo(xc_interface *xch, xc_physinfo_t *info) */
  xc_physinfo: { parameters: ["pointer", "buffer"], result: "i32" },
  /** int xc_readconsolering(xc_interface *xch, char *buffer, unsigned int *pnr_chars, int clear, int incremental, uint32_t *pindex) */
  xc_readconsolering: {
    parameters: ["pointer", "buffer", "buffer", "i32", "i32", "buffer"],
    result: "i32",
  },
} as const satisfies Deno.ForeignLibraryInterface;

type Symbols = Deno.DynamicLibrary<typeof symbols>["symbols"];

/** sizeof(struct xen_sysctl_physinfo) in 4.17 is 112; rounded up. */
const SIZEOF_PHYSINFO = 128;
/** XEN_SYSCTL_PHYSCAP_* bits (sysctl.h). */
const PHYSCAP = { hvm: 1, pv: 2, directio: 4 } as const;

export interface HypervisorPhysinfo {
  threadsPerCore: number;
  coresPerSocket: number;
  cpus: number;
  nodes: number;
  cpuKhz: number;
  totalPages: bigint;
  freePages: bigint;
  /** Guest types the hypervisor can run. */
  capabilities: Array<"pv" | "hvm" | "directio">;
}

/** One libxenctrl handle. Opens lazily (needs root and /dev/xen/privcmd). */
export class XenCtrl {
  #lib?: Symbols;
  #xch: Deno.PointerValue = null;

  constructor(private readonly library = "libxenctrl.so.4.17") {}

  #h(): [Symbols, Deno.PointerObject] {
    this.#lib ??= openXenLibrary(this.library, symbols).symbols;
    if (this.#xch === null) {
      this.#xch = this.#lib.xc_interface_open(null, null, 0);
      if (this.#xch === null) throw new XenError("xc_interface_open", "", errno());
    }
    return [this.#lib, this.#xch];
  }

  physinfo(): HypervisorPhysinfo {
    const [lib, xch] = this.#h();
    const buf = new Uint8Array(SIZEOF_PHYSINFO);
    if (lib.xc_physinfo(xch, buf) !== 0) throw new XenError("xc_physinfo", "", errno());
    // Layout of struct xen_sysctl_physinfo (4.17), offsets measured with gcc.
    const v = new DataView(buf.buffer);
    const caps = v.getUint32(28, true);
    return {
      threadsPerCore: v.getUint32(0, true),
      coresPerSocket: v.getUint32(4, true),
      cpus: v.getUint32(8, true),
      nodes: v.getUint32(16, true),
      cpuKhz: v.getUint32(24, true),
      totalPages: v.getBigUint64(40, true),
      freePages: v.getBigUint64(48, true),
      capabilities: [
        ...(caps & PHYSCAP.pv ? ["pv" as const] : []),
        ...(caps & PHYSCAP.hvm ? ["hvm" as const] : []),
        // An IOMMU: devices can be passed through to guests.
        ...(caps & PHYSCAP.directio ? ["directio" as const] : []),
      ],
    };
  }

  /** The hypervisor's console ring (up to `maxBytes`); `clear` empties it after reading. */
  readConsoleRing(clear = false, maxBytes = 1 << 20): string {
    const [lib, xch] = this.#h();
    const buffer = new Uint8Array(maxBytes);
    const count = new Uint32Array([maxBytes]);
    const index = new Uint32Array(1);
    const rc = lib.xc_readconsolering(
      xch,
      buffer,
      new Uint8Array(count.buffer),
      clear ? 1 : 0,
      0,
      new Uint8Array(index.buffer),
    );
    if (rc !== 0) throw new XenError("xc_readconsolering", "", errno());
    return new TextDecoder().decode(buffer.subarray(0, count[0]));
  }

  close(): void {
    if (this.#lib && this.#xch !== null) this.#lib.xc_interface_close(this.#xch);
    this.#xch = null;
  }
}
