/**
 * Every host-side link of a zone is named with this prefix: protect-network's
 * rules match zone links by it (`iifname "pz*"`), and its reconcile treats
 * links with it as its own. Both the Xen driver (which names the vif) and
 * protect-network (which names the veth) use these, so the names agree.
 */
export const ZONE_LINK_PREFIX = "pz";

/** "pz" + the first 12 hex digits of the zone ID: 14 bytes, under the kernel's 15. */
export function zoneLinkName(zoneId: string): string {
  return ZONE_LINK_PREFIX + zoneId.replaceAll("-", "").slice(0, 12);
}
