import { FailedPreconditionError } from "../lib/errors/mod.ts";
import type { Logger } from "../lib/log/mod.ts";
import type { NetworkConfig } from "./config/network_config.ts";
import type { Attachment, Attachments } from "./attachments/attachments.ts";
import { type AttachInput, validateAttach } from "./attach_request.ts";
import type { ReservationRecord, Reservations } from "./reservations/reservations.ts";
import { type LinkPlan, planLink } from "./links/link_plan.ts";
import type { HostLinks } from "./links/host_links.ts";
import type { Nftables } from "./firewall/nftables.ts";
import { renderRuleset } from "./firewall/ruleset.ts";

export interface ZoneNetwork {
  reservation: ReservationRecord;
  plan: LinkPlan;
  dnsServers: string[];
}

/**
 * Zone links, routes and the nftables table, kept equal to the recorded
 * attachments. Every change runs alone (one queue), records the desired state
 * first, then converges the kernel towards it, so a crash halfway is repaired by
 * the next reconcile.
 */
export class ZoneNetworks {
  #queue: Promise<unknown> = Promise.resolve();
  #ipv6Forwarding = false;

  constructor(
    private readonly config: NetworkConfig,
    private readonly reservations: Reservations,
    private readonly attachments: Attachments,
    private readonly links: HostLinks,
    private readonly nft: Nftables,
    private readonly dnsServers: string[],
    private readonly log: Logger,
  ) {}

  /** Connects a zone (idempotent): reservation, link, routes, rules. */
  attach(input: AttachInput): Promise<ZoneNetwork> {
    return this.#serial(async () => {
      const attachment = validateAttach(input, this.attachments.list());
      const reservation = this.reservations.ensureZone(attachment.zoneId);
      const plan = this.#plan(reservation, attachment);
      const before = this.attachments.find(attachment.zoneId);
      const present = (await this.links.list()).has(plan.hostLink);
      if (attachment.vif && !present) {
        // Xen makes the vif (named by the daemon's driver); it must exist by now.
        throw new FailedPreconditionError(`the zone's vif ${attachment.vif} does not exist`);
      }
      if (attachment.netnsPid && present && before?.netnsPid !== attachment.netnsPid) {
        // A new guest process for the same zone: its old link points at a dead namespace.
        await this.links.remove(plan.hostLink);
      }
      this.attachments.put(attachment);
      if (attachment.netnsPid && !(present && before?.netnsPid === attachment.netnsPid)) {
        await this.links.createVeth(plan, attachment.netnsPid);
      }
      await this.links.configure(plan, attachment.publish.length > 0);
      await this.#hostSwitches();
      await this.#applyRules();
      this.log.info("zone attached", {
        zone: attachment.zoneId,
        link: plan.hostLink,
        ipv4: reservation.ipv4,
        ipv6: reservation.ipv6,
        publish: attachment.publish.map((p) => `${p.hostPort}:${p.zonePort}/${p.protocol}`),
        isolated: attachment.isolated,
      });
      return { reservation, plan, dnsServers: this.dnsServers };
    });
  }

  /** Removes the zone's link (a veth; Xen removes its vif), routes and rules. No error if none. */
  detach(zoneId: string): Promise<boolean> {
    return this.#serial(async () => {
      const attachment = this.attachments.find(zoneId);
      if (!attachment) return false;
      this.attachments.remove(zoneId);
      try {
        if (attachment.netnsPid) await this.links.remove(attachment.hostLink);
      } finally {
        // The rules go even if the link would not: its kernel side may be mid-teardown
        // (a dying namespace takes its veth along), and the record is already gone.
        await this.#applyRules();
      }
      this.log.info("zone detached", { zone: zoneId, link: attachment.hostLink });
      return true;
    });
  }

  /**
   * After a restart: re-applies every recorded link's addresses, routes and
   * switches (all replace operations), removes links protect no longer wants,
   * and rewrites the table. A recorded link that vanished belongs to a zone
   * whose guest is gone; it is not recreated (its PID may be reused).
   */
  reconcile(): Promise<void> {
    return this.#serial(async () => {
      const present = await this.links.list();
      const wanted = new Set<string>();
      for (const a of this.attachments.list()) {
        wanted.add(a.hostLink);
        const reservation = this.reservations.findZone(a.zoneId);
        if (!reservation || !present.has(a.hostLink)) {
          this.log.warn("zone link is gone; dropping it until the zone is attached again", {
            zone: a.zoneId,
            link: a.hostLink,
          });
          this.attachments.remove(a.zoneId);
          continue;
        }
        await this.links.configure(this.#plan(reservation, a), a.publish.length > 0);
      }
      for (const name of present.keys()) {
        if (wanted.has(name)) continue;
        this.log.info("removing a zone link no zone owns", { link: name });
        // One stubborn link (a vif whose domain still holds it) must not stop the start-up.
        await this.links.remove(name).catch((error) =>
          this.log.warn("could not remove an unowned zone link; left as it is", {
            link: name,
            error,
          })
        );
      }
      if (this.attachments.list().length > 0) await this.#hostSwitches();
      await this.#applyRules();
    });
  }

  /** Zones with a recorded attachment. */
  attachedZones(): string[] {
    return this.attachments.list().map((a) => a.zoneId);
  }

  #plan(reservation: ReservationRecord, attachment: Attachment): LinkPlan {
    const gateways = { ipv4: this.config.ipv4Pool.gateway, ipv6: this.config.ipv6Pool.gateway };
    const plan = planLink(reservation, gateways, this.config.mtu);
    return { ...plan, hostLink: attachment.hostLink };
  }

  /**
   * Forwarding where zones need it: the uplinks (replies to egress NAT arrive
   * there). IPv6 forwarding has no per-link switch before Linux 6.17, so it is
   * turned on host-wide once, and logged.
   */
  async #hostSwitches(): Promise<void> {
    const uplinks = await this.links.uplinks();
    await this.links.sysctl(
      Object.fromEntries(uplinks.map((dev) => [`net/ipv4/conf/${dev}/forwarding`, "1"])),
    );
    if (!this.#ipv6Forwarding) {
      await this.links.sysctl({ "net/ipv6/conf/all/forwarding": "1" });
      this.#ipv6Forwarding = true;
      this.log.info("IPv4 forwarding on zone links and uplinks; IPv6 forwarding host-wide", {
        uplinks,
      });
    }
  }

  /** Rewrites protect's table, or deletes it when no zone is attached (nothing left behind). */
  async #applyRules(): Promise<void> {
    const zones = this.attachments.list().flatMap((a) => {
      const r = this.reservations.findZone(a.zoneId);
      return r ? [{ ...a, ipv4: r.ipv4, ipv6: r.ipv6 }] : [];
    });
    if (zones.length === 0) return await this.nft.remove();
    await this.nft.apply(renderRuleset({
      ipv4Pool: this.config.ipv4Pool.text,
      ipv6Pool: this.config.ipv6Pool.text,
      gatewayIpv4: this.config.ipv4Pool.gateway,
      zones,
    }));
  }

  #serial<T>(step: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(step);
    this.#queue = run.catch(() => {});
    return run;
  }
}
