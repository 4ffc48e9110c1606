import { groupId } from "../fs/mod.ts";
import type { Logger } from "../log/mod.ts";

/**
 * A socket for root and the members of `group` (root:GROUP, 0660); for root alone (0600, and
 * a warning with the fix) when there is no such group.
 */
export function shareSocketWithGroup(path: string, group: string, log: Logger): void {
  const gid = groupId(group);
  if (gid === undefined) {
    Deno.chmodSync(path, 0o600);
    log.warn("the socket group does not exist: only root may use the socket", {
      group,
      socket: path,
      fix: `groupadd --system ${group}`,
    });
    return;
  }
  Deno.chownSync(path, 0, gid);
  Deno.chmodSync(path, 0o660);
}
