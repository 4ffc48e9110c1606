import { ZONE_LINK_PREFIX } from "../../lib/zone_link/mod.ts";
import type { LinkPlan } from "./link_plan.ts";
import { runTool, ToolError, withInputFile } from "../../lib/tools/mod.ts";

/** What ip(8) says about a link that no longer exists (or is going, with its namespace). */
const LINK_GONE = /Cannot find device|No such device/;

/** The kernel side of zone links, through ip(8) and sysctl(8). No policy: the reconciler decides. */
export class HostLinks {
  /** `scratchDir`: where `ip -batch` input is written (else it goes through stdin). */
  constructor(private readonly scratchDir?: string) {}

  /** Host links protect owns (name starts with the prefix), with their addresses. */
  async list(): Promise<Map<string, string[]>> {
    const links = JSON.parse(await runTool("ip", ["-json", "address", "show"])) as Array<{
      ifname: string;
      addr_info?: Array<{ local: string; prefixlen: number }>;
    }>;
    return new Map(
      links.filter((l) => l.ifname.startsWith(ZONE_LINK_PREFIX)).map((l) => [
        l.ifname,
        (l.addr_info ?? []).map((a) => `${a.local}/${a.prefixlen}`),
      ]),
    );
  }

  /**
   * A veth pair whose zone end (named, addressed by MAC) goes straight into
   * the network namespace of `pid`, so it never appears on the host.
   */
  async createVeth(plan: LinkPlan, pid: number): Promise<void> {
    const mtu = String(plan.mtu);
    await runTool("ip", [
      ...["link", "add", plan.hostLink, "mtu", mtu, "type", "veth"],
      ...["peer", "name", plan.zone.name, "address", plan.zone.mac, "mtu", mtu],
      ...["netns", String(pid)],
    ]);
  }

  /**
   * Brings the host end up with the gateways, routes to the zone, and the
   * per-link switches: IPv4 forwarding (only on zone links and uplinks),
   * proxy ARP, and route_localnet when loopback-published ports need it.
   * Every step is a replace, so running it twice changes nothing.
   */
  async configure(plan: LinkPlan, localnet: boolean): Promise<void> {
    const dev = plan.hostLink;
    await this.sysctl({
      [`net/ipv4/conf/${dev}/forwarding`]: "1",
      [`net/ipv4/conf/${dev}/proxy_arp`]: "1",
      [`net/ipv4/conf/${dev}/route_localnet`]: localnet ? "1" : "0",
      [`net/ipv6/conf/${dev}/accept_ra`]: "0",
    });
    // One `ip -batch` (no family flags there: each address says its own).
    const lines = [
      ...plan.hostAddresses.map((a) =>
        `address replace ${a} dev ${dev}${a.includes(":") ? " nodad" : ""}`
      ),
      `link set ${dev} mtu ${plan.mtu} up`,
      ...plan.hostRoutes.map((r) =>
        `route replace ${r.destination} dev ${dev}${r.source ? ` src ${r.source}` : ""}`
      ),
    ];
    const batch = lines.map((l) => l + "\n").join("");
    if (!this.scratchDir) return void await runTool("ip", ["-batch", "-"], batch);
    await withInputFile(this.scratchDir, batch, (path) => runTool("ip", ["-batch", path]));
  }

  /**
   * Removes a link (its routes, addresses and neighbours go with it); no error
   * if gone. A Xen vif cannot be deleted (its domain owns it): it is only
   * taken down, and goes with the domain.
   */
  async remove(name: string): Promise<void> {
    const gone = (e: unknown) => e instanceof ToolError && LINK_GONE.test(e.stderr);
    try {
      await runTool("ip", ["link", "del", name]);
    } catch (e) {
      if (gone(e)) return;
      if (!(e instanceof ToolError && /Operation not supported/.test(e.stderr))) throw e;
      await runTool("ip", ["link", "set", name, "down"]).catch((e2) => {
        if (!gone(e2)) throw e2;
      });
    }
  }

  /** Interfaces carrying a default route: where egress NAT leaves (they need forwarding too). */
  async uplinks(): Promise<string[]> {
    const found = new Set<string>();
    for (const family of ["-4", "-6"]) {
      const routes = JSON.parse(
        await runTool("ip", ["-json", family, "route", "show", "default"]),
      ) as Array<{ dev?: string }>;
      for (const r of routes) if (r.dev && !r.dev.startsWith(ZONE_LINK_PREFIX)) found.add(r.dev);
    }
    return [...found];
  }

  /** Sets kernel switches through sysctl(8) (Deno refuses /proc/sys writes short of --allow-all). */
  async sysctl(values: Record<string, string>): Promise<void> {
    const args = Object.entries(values).map(([k, v]) => `${k}=${v}`);
    if (args.length > 0) await runTool("sysctl", ["-q", "-w", ...args]);
  }
}
