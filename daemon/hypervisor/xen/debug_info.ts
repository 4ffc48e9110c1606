import type { DomainInfo, Libxl, XenCtrl, XenStore } from "../../../xen/mod.ts";
import { backendsPath, zoneKeysPath } from "./xenstore_paths.ts";
import { xenstoreDaemon } from "./xenstore_daemon.ts";

export interface DebugSources {
  xs: XenStore;
  xl: Libxl;
  xc: XenCtrl;
  /** Our zone ID for a domain, undefined for domains that are not ours. */
  zoneIdOf: (d: DomainInfo) => string | undefined;
  /** Whether the zone's agent is on its IDM channel. */
  connected: (zoneId: string) => boolean;
}

/** Every domain, and for ours the xenstore keys and the block and vif backends protect made. */
export function xenDebugInfo({ xs, xl, xc, zoneIdOf, connected }: DebugSources): unknown {
  const dump = (path: string, depth = 0): unknown => {
    const children = xs.directory(path);
    if (children.length === 0 || depth > 6) return xs.read(path) ?? null;
    return Object.fromEntries(children.map((c) => [c, dump(`${path}/${c}`, depth + 1)]));
  };
  return {
    physical: xc.physinfo(),
    xenstore: xenstoreDaemon(),
    domains: xl.listDomains().map((d) => {
      const zoneId = zoneIdOf(d);
      return {
        ...d,
        zoneId: zoneId ?? null,
        protect: zoneId ? dump(zoneKeysPath(d.domid)) : undefined,
        blockBackends: zoneId ? dump(backendsPath("vbd", d.domid)) : undefined,
        vifBackends: zoneId ? dump(backendsPath("vif", d.domid)) : undefined,
        idm: zoneId ? { connected: connected(zoneId) } : undefined,
      };
    }),
  };
}
