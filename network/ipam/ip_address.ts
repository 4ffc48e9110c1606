import { InvalidArgumentError } from "../../lib/errors/mod.ts";

/** An IP address as a number: IPv4 fits 32 bits, IPv6 128; both as bigint to share the arithmetic. */
export interface IpAddress {
  family: 4 | 6;
  value: bigint;
}

/** A network: its first address and prefix length. */
export interface Cidr {
  family: 4 | 6;
  network: bigint;
  prefix: number;
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** Parses a dotted-quad or RFC 4291 IPv6 address; `field` names the input in errors. */
export function parseIp(text: string, field: string): IpAddress {
  const v4 = text.match(IPV4);
  if (v4) {
    const octets = v4.slice(1).map(Number);
    if (octets.some((o) => o > 255)) {
      throw new InvalidArgumentError(field, `${text} is not an IPv4 address`);
    }
    return { family: 4, value: octets.reduce((a, o) => (a << 8n) | BigInt(o), 0n) };
  }
  return { family: 6, value: parseIpv6(text, field) };
}

function parseIpv6(text: string, field: string): bigint {
  const bad = () => new InvalidArgumentError(field, `${text} is not an IP address`);
  if (!/^[0-9a-fA-F:]+$/.test(text) || text.split("::").length > 2) throw bad();
  const [head, tail] = text.includes("::") ? text.split("::") : [text, undefined];
  const groups = (s: string) => (s === "" ? [] : s.split(":"));
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const missing = 8 - left.length - right.length;
  if ((tail === undefined && missing !== 0) || (tail !== undefined && missing < 1)) throw bad();
  const all = [...left, ...Array(tail === undefined ? 0 : missing).fill("0"), ...right];
  if (all.some((g) => g.length === 0 || g.length > 4)) throw bad();
  return all.reduce((a, g) => (a << 16n) | BigInt(parseInt(g, 16)), 0n);
}

/** The canonical text form: dotted quad, or RFC 5952 (lowercase, longest zero run as ::). */
export function formatIp({ family, value }: IpAddress): string {
  if (family === 4) {
    return [24n, 16n, 8n, 0n].map((s) => String((value >> s) & 255n)).join(".");
  }
  const groups = Array.from(
    { length: 8 },
    (_, i) => Number((value >> BigInt(112 - i * 16)) & 0xffffn),
  );
  let best = { at: -1, len: 1 };
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > best.len) best = { at: i, len: j - i };
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best.at < 0) return hex.join(":");
  return `${hex.slice(0, best.at).join(":")}::${hex.slice(best.at + best.len).join(":")}`;
}

/** Parses `address/prefix`; the address must be the network's first (no host bits set). */
export function parseCidr(text: string, field: string): Cidr {
  const [addr, bits, ...rest] = text.split("/");
  const prefix = Number(bits);
  const ip = parseIp(addr ?? "", field);
  const max = ip.family === 4 ? 32 : 128;
  if (rest.length || !/^\d{1,3}$/.test(bits ?? "") || prefix > max) {
    throw new InvalidArgumentError(
      field,
      `${text} is not a network (address/prefix, prefix 0-${max})`,
    );
  }
  const hostBits = BigInt(max - prefix);
  if (ip.value & ((1n << hostBits) - 1n)) {
    throw new InvalidArgumentError(
      field,
      `${text} has host bits set; the network is ${
        formatIp({ family: ip.family, value: (ip.value >> hostBits) << hostBits })
      }/${prefix}`,
    );
  }
  return { family: ip.family, network: ip.value, prefix };
}
