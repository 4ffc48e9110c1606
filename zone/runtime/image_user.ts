/**
 * A workload's user as Docker resolves it, from the image's own /etc/passwd and
 * /etc/group: "name", "uid", "name:group", "uid:gid" (either side a name or a number).
 * A uid the passwd file does not list gets gid 0; a listed user gets its primary gid
 * and, as supplementary groups, every group in /etc/group that names it.
 */
export interface ImageUser {
  uid: number;
  gid: number;
  additionalGids: number[];
}

interface Entry {
  name: string;
  id: number;
  gid?: number;
  members?: string[];
}

const ID = /^\d{1,10}$/;
const MAX_ID = 2 ** 32 - 2; // 2^32-1 is (uid_t)-1, "no user"

/** Parses passwd (name:x:uid:gid:…) or group (name:x:gid:members) lines; bad lines are skipped. */
function entries(text: string, kind: "passwd" | "group"): Entry[] {
  const out: Entry[] = [];
  for (const line of text.split("\n")) {
    if (line.startsWith("#")) continue;
    const f = line.split(":");
    if (f.length < (kind === "passwd" ? 4 : 3) || !ID.test(f[2])) continue;
    if (kind === "passwd") {
      if (!ID.test(f[3])) continue;
      out.push({ name: f[0], id: Number(f[2]), gid: Number(f[3]) });
    } else {
      out.push({ name: f[0], id: Number(f[2]), members: (f[3] ?? "").split(",").filter(Boolean) });
    }
  }
  return out;
}

function numeric(text: string, what: string): number {
  const n = Number(text);
  if (n > MAX_ID) throw new Error(`${what} ${text} is out of range (0-${MAX_ID})`);
  return n;
}

/** Resolves `spec` ("" = root) against the image's passwd and group files ("" if absent). */
export function resolveImageUser(spec: string, passwdText: string, groupText: string): ImageUser {
  const [userPart, groupPart, extra] = (spec || "0").split(":");
  if (extra !== undefined || userPart === "" || groupPart === "") {
    throw new Error(`user "${spec}" is not user[:group]`);
  }
  const passwd = entries(passwdText, "passwd");
  const groups = entries(groupText, "group");
  const found = ID.test(userPart)
    ? passwd.find((e) => e.id === numeric(userPart, "uid"))
    : passwd.find((e) => e.name === userPart);
  if (!found && !ID.test(userPart)) {
    throw new Error(`user "${userPart}" is not in the image's /etc/passwd`);
  }
  const uid = found?.id ?? numeric(userPart, "uid");
  let gid = found?.gid ?? 0;
  if (groupPart !== undefined) {
    if (ID.test(groupPart)) gid = numeric(groupPart, "gid");
    else {
      const group = groups.find((g) => g.name === groupPart);
      if (!group) throw new Error(`group "${groupPart}" is not in the image's /etc/group`);
      gid = group.id;
    }
  }
  const additionalGids = found && groupPart === undefined
    ? [...new Set(groups.filter((g) => g.members!.includes(found.name)).map((g) => g.id))]
      .filter((g) => g !== gid)
    : [];
  return { uid, gid, additionalGids };
}
