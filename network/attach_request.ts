import { AlreadyExistsError, InvalidArgumentError } from "../lib/errors/mod.ts";
import type { Attachment, PublishedPort } from "./attachments/attachments.ts";
import { ZONE_LINK_PREFIX, zoneLinkName } from "../lib/zone_link/mod.ts";

/** What AttachZone asks for, before validation (plain data, independent of the proto). */
export interface AttachInput {
  zoneId: string;
  netnsPid?: number;
  vif?: string;
  publish: Array<{ hostPort: number; zonePort: number; protocol: "tcp" | "udp" }>;
  isolated: boolean;
}

const ZONE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Kernel interface names: 1..15 bytes, no '/', whitespace or ':'. */
const IFNAME = /^[A-Za-z0-9_.-]{1,15}$/;
const MAX_PUBLISHED = 64;

/**
 * Checks an attach request field by field and against the other zones' published
 * ports, and returns the attachment to record. Throws before anything changes.
 */
export function validateAttach(input: AttachInput, others: Attachment[]): Attachment {
  if (!ZONE_ID.test(input.zoneId)) {
    throw new InvalidArgumentError("zone_id", "must be a zone ID (UUID)");
  }
  const hasPid = input.netnsPid !== undefined;
  const hasVif = input.vif !== undefined;
  if (hasPid === hasVif) {
    throw new InvalidArgumentError("link", "must name either a netns_pid or a vif");
  }
  if (hasPid && !(Number.isInteger(input.netnsPid) && input.netnsPid! > 1)) {
    throw new InvalidArgumentError("link.netns_pid", "must be a process ID above 1");
  }
  if (hasVif && !IFNAME.test(input.vif!)) {
    throw new InvalidArgumentError("link.vif", "must be an interface name of 1-15 characters");
  }
  if (hasVif && !input.vif!.startsWith(ZONE_LINK_PREFIX)) {
    // The rules match zone links by prefix; a vif without it would bypass them.
    throw new InvalidArgumentError("link.vif", `must start with "${ZONE_LINK_PREFIX}"`);
  }
  if (input.publish.length > MAX_PUBLISHED) {
    throw new InvalidArgumentError("publish", `at most ${MAX_PUBLISHED} ports per zone`);
  }
  const publish: PublishedPort[] = [];
  const seen = new Set<string>();
  for (const [i, p] of input.publish.entries()) {
    for (const key of ["hostPort", "zonePort"] as const) {
      if (!Number.isInteger(p[key]) || p[key] < 1 || p[key] > 65535) {
        throw new InvalidArgumentError(`publish[${i}].${key}`, "must be a port from 1 to 65535");
      }
    }
    const key = `${p.hostPort}/${p.protocol}`;
    if (seen.has(key)) {
      throw new InvalidArgumentError(`publish[${i}]`, `host port ${key} is listed twice`);
    }
    seen.add(key);
    const holder = others.find((a) =>
      a.zoneId !== input.zoneId &&
      a.publish.some((q) => q.hostPort === p.hostPort && q.protocol === p.protocol)
    );
    if (holder) {
      throw new AlreadyExistsError(
        `host port ${key} is already published by zone ${holder.zoneId}`,
      );
    }
    publish.push({ hostPort: p.hostPort, zonePort: p.zonePort, protocol: p.protocol });
  }
  return {
    zoneId: input.zoneId,
    hostLink: hasVif ? input.vif! : zoneLinkName(input.zoneId),
    netnsPid: input.netnsPid ?? 0,
    vif: input.vif ?? "",
    publish,
    isolated: input.isolated,
    attachedAt: new Date(),
  };
}
