import type { XenStore } from "../../../xen/mod.ts";
import { VBD_BACKENDS } from "./xenstore_paths.ts";

/** Loop devices the block backends name (block-protect writes `physical-device-path`). */
export function loopsInUse(xs: XenStore): Set<string> {
  const used = new Set<string>();
  for (const domid of xs.directory(VBD_BACKENDS)) {
    for (const dev of xs.directory(`${VBD_BACKENDS}/${domid}`)) {
      const path = xs.read(`${VBD_BACKENDS}/${domid}/${dev}/physical-device-path`);
      if (path) used.add(path);
    }
  }
  return used;
}
