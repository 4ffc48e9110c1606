/** Small file-system checks shared by the programs. */
export { exists } from "./exists.ts";
export { waitForPath } from "./wait_for_path.ts";
export { groupId, groupName } from "./unix_groups.ts";
