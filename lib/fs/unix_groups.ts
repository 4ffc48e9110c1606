/** Group names and IDs from /etc/group (name:password:gid:members), as getent reads them. */
function groups(path: string): { name: string; gid: number }[] {
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return [];
    throw e;
  }
  return text.split("\n").flatMap((line) => {
    const [name, , gid] = line.split(":");
    return name && /^\d+$/.test(gid ?? "") ? [{ name, gid: Number(gid) }] : [];
  });
}

/** The ID of group `name`, or undefined when there is none. */
export function groupId(name: string, path = "/etc/group"): number | undefined {
  return groups(path).find((g) => g.name === name)?.gid;
}

/** The name of group `gid`, or undefined when /etc/group has none. */
export function groupName(gid: number, path = "/etc/group"): string | undefined {
  return groups(path).find((g) => g.gid === gid)?.name;
}
