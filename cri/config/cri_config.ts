import { isIP } from "node:net";
import { absolutePath, integer, loadOrCreateToml, table, unixGroup } from "../../lib/config/mod.ts";
import { InvalidArgumentError } from "../../lib/errors/mod.ts";

export interface CriConfig {
  /** Where the Exec/Attach/PortForward URLs point (kubelet proxies to them). */
  streamingAddress: string;
  /** 0 = any free port. */
  streamingPort: number;
  /** kubelet's --root-dir: a pod's directory (its volumes) is <root_dir>/pods/<uid>. */
  kubeletRootDir: string;
  /** cri.sock is root:GROUP 0660 (root only, 0600, when the group does not exist). */
  socketGroup: string;
}

/** Written to cri.toml on first start; every setting is listed with its default. */
export const DEFAULT_CRI_TOML =
  `# protect-cri configuration. Delete this file to get the defaults back.

[cri]
# Members of this group may use cri.sock (root:GROUP, 0660); kubelet runs as root. When the
# group does not exist, only root may (0600).
socket_group = "protect"

[streaming]
# The server for Exec, Attach and PortForward: kubelet hands its URLs to the API server's
# clients and proxies them. Loopback keeps it on this node.
address = "127.0.0.1"
# 0 = any free port.
port = 0

[kubelet]
# kubelet's --root-dir. A pod's directory there (pods/<uid>: its volumes, its /etc/hosts,
# its termination-log files) is shared with the pod's zone, live and writable. It must be
# in protect-daemon's [shares] roots.
root_dir = "/var/lib/kubelet"
`;

/** Loads cri.toml (creating it with defaults), naming any bad key. */
export function loadCriConfig(path: string): CriConfig {
  const doc = loadOrCreateToml(path, DEFAULT_CRI_TOML);
  const streaming = table(doc, "streaming", "");
  const kubelet = table(doc, "kubelet", "");
  const cri = table(doc, "cri", "");
  const address = streaming.address ?? "127.0.0.1";
  if (typeof address !== "string" || isIP(address) === 0) {
    throw new InvalidArgumentError("streaming.address", "must be an IP address");
  }
  return {
    streamingAddress: address,
    streamingPort: integer(streaming, "port", "streaming.", 0, 65535, 0),
    kubeletRootDir: absolutePath(kubelet, "root_dir", "kubelet.", "/var/lib/kubelet"),
    socketGroup: unixGroup(cri, "socket_group", "cri.", "protect"),
  };
}
