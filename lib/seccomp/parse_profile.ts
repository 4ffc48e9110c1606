/** Larger profiles are refused: a profile travels in the API and over IDM. */
export const MAX_SECCOMP_PROFILE_BYTES = 256 * 1024;

/** Parses and checks an OCI `linux.seccomp` document (the daemon validates with it; the zone agent applies it). */
export function parseSeccompProfile(text: string): Record<string, unknown> {
  if (text.length > MAX_SECCOMP_PROFILE_BYTES) {
    throw new Error(
      `seccomp profile of ${text.length} bytes (at most ${MAX_SECCOMP_PROFILE_BYTES})`,
    );
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new Error(`seccomp profile is not JSON: ${(e as Error).message}`);
  }
  const ok = typeof doc === "object" && doc !== null && !Array.isArray(doc);
  const profile = doc as Record<string, unknown>;
  if (
    !ok || typeof profile.defaultAction !== "string" || !/^SCMP_ACT_/.test(profile.defaultAction)
  ) {
    throw new Error('seccomp profile needs a "defaultAction" such as "SCMP_ACT_ERRNO"');
  }
  if (profile.syscalls !== undefined && !Array.isArray(profile.syscalls)) {
    throw new Error('seccomp profile "syscalls" must be a list');
  }
  for (const rule of (profile.syscalls ?? []) as Array<Record<string, unknown>>) {
    const names = rule?.names;
    if (!Array.isArray(names) || names.some((n) => typeof n !== "string")) {
      throw new Error('each seccomp rule needs "names", a list of syscall names');
    }
    if (typeof rule.action !== "string") {
      throw new Error(`seccomp rule for ${names[0]} has no "action"`);
    }
    if ("includes" in rule || "excludes" in rule) {
      throw new Error(
        "seccomp rule with includes/excludes (Docker's profile format) is not an OCI rule; " +
          "resolve them for your kernel and capabilities first",
      );
    }
  }
  return profile;
}
