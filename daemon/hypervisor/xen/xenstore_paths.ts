/** Where the Xen driver's state lives in xenstore. */

/** Dom0-owned keys protect keeps with a domain (its image disks); they survive a daemon restart. */
export const zoneKeysPath = (domid: number) => `/local/domain/${domid}/protect`;

/** The domain's name when xenconsoled first saw it (its log file), kept across a rename. */
export const consoleNamePath = (domid: number) => `${zoneKeysPath(domid)}/console-name`;

/** The IDM vchan ring the host offers a zone. */
export const idmPath = (domid: number) => `/local/domain/${domid}/data/protect/idm`;

/** A fresh value per offered channel, so a connected agent sees the host side was replaced. */
export const idmSessionPath = (domid: number) => `/local/domain/${domid}/data/protect/idm-session`;

/** Block backends of every domain, `<domid>/<device>/…`. */
export const VBD_BACKENDS = "/local/domain/0/backend/vbd";

/** A domain's backends of one kind (`vbd`, `vif`). */
export const backendsPath = (kind: "vbd" | "vif", domid: number) =>
  `/local/domain/0/backend/${kind}/${domid}`;
