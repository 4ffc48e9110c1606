import { Code, ConnectError } from "@connectrpc/connect";
import { create } from "@bufbuild/protobuf";
import { PortProtocol, type PortPublish } from "../../proto/mod.ts";
import {
  type NetworkInterface,
  NetworkInterfaceSchema,
  RouteSchema,
} from "../../proto/gen/protect/idm/v1/idm_pb.ts";
import {
  Protocol,
  PublishedPortSchema,
  ZoneLinkSchema,
} from "../../proto/gen/protect/network/v1/network_pb.ts";
import { FailedPreconditionError, UnavailableError } from "../../lib/errors/mod.ts";
import type { Logger } from "../../lib/log/mod.ts";
import type { NetworkConnection } from "../clients/network_client.ts";
import type { GuestLink } from "../hypervisor/mod.ts";
import type { ZoneRecord } from "../state/mod.ts";
import { randomMac } from "../../lib/mac/mod.ts";

/** What the zone configures inside (sent in its bootstrap) and what status shows. */
export interface ZoneNetworkSetup {
  interfaces: NetworkInterface[];
  dnsServers: string[];
  ipv4: string;
  ipv6: string;
}

/**
 * Connects zones to protect-network. A zone that asks for nothing special
 * still boots when protect-network is down (without a network, and the log
 * says so); one that publishes ports or asks for isolation fails instead,
 * since booting it without them would silently break what it asked for.
 */
export class ZoneNetworking {
  constructor(
    private readonly connection: NetworkConnection | undefined,
    private readonly driverName: string,
    private readonly log: Logger,
  ) {}

  /**
   * Connects the zone (idempotent). `workloadPorts` are the ports its running
   * workloads publish, on top of the zone's own.
   */
  async attach(
    zone: ZoneRecord,
    link: GuestLink | undefined,
    workloadPorts: PortPublish[] = [],
  ): Promise<ZoneNetworkSetup | undefined> {
    const wanted = zone.spec.network;
    if (wanted?.disabled) {
      if (workloadPorts.length === 0) return undefined;
      throw new FailedPreconditionError(`zone ${zone.name} has no network to publish ports on`);
    }
    const ports = [...(wanted?.publish ?? []), ...workloadPorts];
    const demanding = ports.length > 0 || (wanted?.isolated ?? false);
    if (!link) {
      if (demanding) {
        throw new FailedPreconditionError(
          `the ${this.driverName} driver gives zones no network link; ports and isolation need one`,
        );
      }
      return undefined;
    }
    const connection = this.connection;
    try {
      if (!connection) throw new UnavailableError("this daemon has no protect-network configured");
      const response = await connection.client.attachZone({
        zoneId: zone.id,
        link: create(ZoneLinkSchema, {
          kind: "netnsPid" in link
            ? { case: "netnsPid", value: link.netnsPid }
            : { case: "vif", value: link.vif },
        }),
        publish: ports.map((p) =>
          create(PublishedPortSchema, {
            hostPort: p.hostPort,
            zonePort: p.zonePort,
            protocol: p.protocol === PortProtocol.UDP ? Protocol.UDP : Protocol.TCP,
          })
        ),
        isolated: wanted?.isolated ?? false,
      }).catch((e) => {
        throw connection.error(e);
      });
      const iface = response.interface!;
      return {
        interfaces: [create(NetworkInterfaceSchema, {
          name: iface.name,
          mac: iface.mac,
          addresses: iface.addresses,
          mtu: iface.mtu,
          routes: iface.routes.map((r) =>
            create(RouteSchema, { destination: r.destination, gateway: r.gateway })
          ),
        })],
        dnsServers: response.dnsServers,
        ipv4: response.reservation?.ipv4 ?? "",
        ipv6: response.reservation?.ipv6 ?? "",
      };
    } catch (error) {
      if (!(error instanceof UnavailableError) || demanding) throw error;
      this.log.warn("zone boots without a network: protect-network is unavailable", {
        zone: zone.name,
        reason: error.message,
      });
      return undefined;
    }
  }

  /**
   * A MAC for the NIC a driver builds with the guest, picked here and reserved
   * (with the zone's addresses) in the background, so the RPC to protect-network
   * overlaps the guest's creation instead of preceding it. `reserved` settles once
   * protect-network has answered; it never rejects. A zone that already holds a
   * reservation (a retried launch) keeps it and its MAC, which the agent sets from
   * the bootstrap. Undefined for a zone without network or without protect-network.
   */
  reserveNic(zone: ZoneRecord): { mac: string; reserved: Promise<void> } | undefined {
    const connection = this.connection;
    if (!connection || zone.spec.network?.disabled) return undefined;
    const mac = randomMac();
    const reserved = connection.client.createReservation({ zoneId: zone.id, mac }).then(
      () => {},
      (error) => {
        const held = error instanceof ConnectError && error.code === Code.AlreadyExists;
        this.log.debug(held ? "zone keeps its reservation" : "zone NIC's MAC not reserved yet", {
          zone: zone.name,
          error: connection.error(error),
        });
      },
    );
    return { mac, reserved };
  }

  /**
   * Removes the zone's link and rules and releases its addresses. Also runs
   * for zones that failed before recording an address. Failures are logged:
   * protect-network detaches zones it sees destroyed when it next follows the daemon.
   */
  async detach(zone: ZoneRecord): Promise<void> {
    const connection = this.connection;
    if (!connection || zone.spec.network?.disabled) return;
    try {
      await connection.client.detachZone({ zoneId: zone.id });
      await connection.client.releaseZone({ zoneId: zone.id });
    } catch (error) {
      const level = zone.ipv4 ? "warn" : "debug";
      this.log[level]("could not detach the zone's network now; protect-network will", {
        zone: zone.name,
        error: connection.error(error),
      });
    }
  }
}
