import type { NetworkInterface } from "../proto/gen/protect/idm/v1/idm_pb.ts";
import { isMac } from "../lib/mac/mod.ts";
import { dnsListProblem, MAX_DNS_SERVERS, resolvConfText } from "../lib/dns/mod.ts";

const IFNAME = /^[A-Za-z0-9_.]{1,15}$/;
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;
const IPV6 = /^[0-9a-f:.]{2,45}$/;
const MAX_INTERFACES = 4;
const MAX_ROUTES = 16;

const isIp = (s: string) => IPV4.test(s) || (s.includes(":") && IPV6.test(s));

function cidr(text: string, field: string): string {
  const [ip, prefix, extra] = text.split("/");
  const max = ip.includes(":") ? 128 : 32;
  if (extra !== undefined || !isIp(ip) || !/^\d{1,3}$/.test(prefix ?? "") || Number(prefix) > max) {
    throw new Error(`bootstrap ${field} "${text}" is not an address/prefix`);
  }
  return text;
}

/**
 * The ip(8) commands that configure the zone's interfaces from its bootstrap:
 * loopback up, then each interface's MAC, MTU, addresses and routes, in order
 * (on-link gateway routes precede the defaults that use them). Every value is
 * checked first, and each is a separate argv word, so nothing reaches a shell
 * or is read as an option. Replace operations make a repeated bootstrap harmless.
 * No family flags: they run as one `ip -batch`, whose lines take none, and each
 * address already says its family.
 */
export function networkCommands(interfaces: NetworkInterface[]): string[][] {
  if (interfaces.length > MAX_INTERFACES) {
    throw new Error(`bootstrap has ${interfaces.length} interfaces (at most ${MAX_INTERFACES})`);
  }
  const commands: string[][] = [["link", "set", "dev", "lo", "up"]];
  interfaces.forEach((iface, i) => {
    const at = `interfaces[${i}]`;
    if (!IFNAME.test(iface.name)) throw new Error(`bootstrap ${at}.name "${iface.name}" is bad`);
    if (!isMac(iface.mac)) throw new Error(`bootstrap ${at}.mac "${iface.mac}" is bad`);
    if (iface.mtu < 576 || iface.mtu > 65535) {
      throw new Error(`bootstrap ${at}.mtu ${iface.mtu} is out of range (576-65535)`);
    }
    if (iface.routes.length > MAX_ROUTES) {
      throw new Error(`bootstrap ${at} has ${iface.routes.length} routes (at most ${MAX_ROUTES})`);
    }
    const dev = iface.name;
    commands.push(["link", "set", "dev", dev, "address", iface.mac]);
    commands.push(["link", "set", "dev", dev, "mtu", String(iface.mtu), "up"]);
    iface.addresses.forEach((a, j) => {
      const address = cidr(a, `${at}.addresses[${j}]`);
      commands.push(
        address.includes(":")
          ? ["address", "replace", address, "dev", dev, "nodad"]
          : ["address", "replace", address, "dev", dev],
      );
    });
    iface.routes.forEach((r, j) => {
      const destination = cidr(r.destination, `${at}.routes[${j}].destination`);
      if (r.gateway && !isIp(r.gateway)) {
        throw new Error(`bootstrap ${at}.routes[${j}].gateway "${r.gateway}" is not an address`);
      }
      commands.push([
        ...["route", "replace", destination],
        ...(r.gateway ? ["via", r.gateway] : []),
        ...["dev", dev],
      ]);
    });
  });
  return commands;
}

/** resolv.conf for the zone's workloads ("" when there is nothing to say). */
export function resolvConf(
  servers: string[],
  searches: string[] = [],
  options: string[] = [],
): string {
  if (servers.length > MAX_DNS_SERVERS) {
    throw new Error(`bootstrap has ${servers.length} DNS servers (at most ${MAX_DNS_SERVERS})`);
  }
  servers.forEach((s, i) => {
    if (!isIp(s)) throw new Error(`bootstrap dns_servers[${i}] "${s}" is not an address`);
  });
  const problem = dnsListProblem(searches, options);
  if (problem) throw new Error(`bootstrap dns ${problem}`);
  return resolvConfText(servers, searches, options);
}
