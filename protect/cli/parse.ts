import { UsageError } from "./framework/mod.ts";

/** Flag parser for counts and sizes. */
export function parsePositiveInt(value: string, flag: string): number {
  if (!/^[1-9][0-9]{0,8}$/.test(value)) {
    throw new UsageError(`${flag} "${value}" is not a positive whole number`, "");
  }
  return Number(value);
}

/** Splits `key=value`; `flag` names the option in the error. */
export function parseKeyValue(text: string, flag: string): [string, string] {
  const at = text.indexOf("=");
  if (at <= 0) throw new UsageError(`${flag} "${text}" must look like key=value`, "");
  return [text.slice(0, at), text.slice(at + 1)];
}

/** `HOST:ZONE[/tcp|udp]`, e.g. `8080:80` or `5353:53/udp`, for --publish. */
export function parsePublish(
  text: string,
  flag: string,
): { hostPort: number; zonePort: number; protocol: "tcp" | "udp" } {
  const m = /^(\d{1,5}):(\d{1,5})(?:\/(tcp|udp))?$/.exec(text);
  const port = (s: string) => Number(s) >= 1 && Number(s) <= 65535;
  if (!m || !port(m[1]) || !port(m[2])) {
    throw new UsageError(
      `${flag} "${text}" must be HOST:ZONE[/tcp|udp] with ports from 1 to 65535, e.g. 8080:80`,
      "",
    );
  }
  return { hostPort: Number(m[1]), zonePort: Number(m[2]), protocol: (m[3] ?? "tcp") as "tcp" };
}

/** `--cpus 0.5`: CPUs, to three decimals, as millicores (500). */
export function parseCpus(value: string, flag: string): number {
  const m = /^(\d{1,4})(?:\.(\d{1,3}))?$/.exec(value);
  const millis = m ? Number(m[1]) * 1000 + Number((m[2] ?? "").padEnd(3, "0")) : 0;
  if (!m || millis === 0) {
    throw new UsageError(`${flag} "${value}" is not a number of CPUs above 0, e.g. 0.5 or 2`, "");
  }
  return millis;
}

/** `--tmpfs /path[:ro]`. */
export function parseTmpfs(
  value: string,
  flag: string,
): { destination: string; readOnly: boolean } {
  const [destination, mode, extra] = value.split(":");
  if (
    !destination.startsWith("/") || extra !== undefined ||
    (mode !== undefined && mode !== "ro" && mode !== "rw")
  ) {
    throw new UsageError(`${flag} "${value}" must be /path, /path:ro or /path:rw`, "");
  }
  return { destination, readOnly: mode === "ro" };
}

/**
 * `-v SOURCE:/path[:ro|rw]`: a host directory or file (SOURCE starts with "/"; copied in,
 * read-only unless `:rw` is asked for, which the daemon refuses with the reason) or a
 * named volume.
 */
export function parseVolume(
  value: string,
  flag: string,
): { type: string; source: string; destination: string; readOnly: boolean } {
  const [source, destination, mode, extra] = value.split(":");
  if (
    !source || !destination?.startsWith("/") || extra !== undefined ||
    (mode !== undefined && mode !== "ro" && mode !== "rw")
  ) {
    throw new UsageError(`${flag} "${value}" must be SOURCE:/path[:ro|rw]`, "");
  }
  // A block device given to the zone is mounted writable unless :ro, like a volume.
  if (source.startsWith("/dev/")) {
    return { type: "device", source, destination, readOnly: mode === "ro" };
  }
  const host = source.startsWith("/");
  return {
    type: host ? "bind" : "volume",
    source,
    destination,
    readOnly: host ? mode !== "rw" : mode === "ro",
  };
}
