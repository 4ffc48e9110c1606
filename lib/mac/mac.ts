/**
 * Zone NIC MACs: locally administered unicast addresses (first octet xxxxxx10),
 * which no vendor assigns. Shared by protect-network, which records them in its
 * reservations, the daemon, which picks one while it builds a zone's NIC, and
 * the zone agent, which checks the one its bootstrap names.
 */

const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

/** True for a MAC written as lowercase `aa:bb:cc:dd:ee:ff`. */
export function isMac(mac: string): boolean {
  return MAC.test(mac);
}

/** A random locally administered, unicast MAC (from `bytes`, for tests). */
export function randomMac(bytes = crypto.getRandomValues(new Uint8Array(6))): string {
  const b = Array.from(bytes.subarray(0, 6));
  b[0] = (b[0] & 0xfc) | 0x02;
  return b.map((x) => x.toString(16).padStart(2, "0")).join(":");
}

/** True for a lowercase `aa:bb:cc:dd:ee:ff` MAC that is locally administered and unicast. */
export function isLocalUnicastMac(mac: string): boolean {
  return isMac(mac) && (parseInt(mac.slice(0, 2), 16) & 0x03) === 0x02;
}
