import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import {
  AttachZoneResponseSchema,
  CreateReservationResponseSchema,
  DestroyReservationResponseSchema,
  DetachZoneResponseSchema,
  ListReservationsResponseSchema,
  type NetworkService,
  Protocol,
  ReleaseZoneResponseSchema,
  type Reservation,
  ReservationSchema,
  ZoneInterfaceSchema,
  ZoneRouteSchema,
} from "../../proto/gen/protect/network/v1/network_pb.ts";
import { InvalidArgumentError } from "../../lib/errors/mod.ts";
import type { Logger } from "../../lib/log/mod.ts";
import type { ReservationRecord, Reservations } from "../reservations/reservations.ts";
import type { ZoneNetworks } from "../zone_networks.ts";

/** protect.network.v1 over the reservations store and the zone links. */
export function networkService(
  reservations: Reservations,
  zones: ZoneNetworks,
  log: Logger,
): ServiceImpl<typeof NetworkService> {
  const toProto = (r: ReservationRecord): Reservation =>
    create(ReservationSchema, {
      id: r.id,
      zoneId: r.zoneId,
      ipv4: r.ipv4,
      ipv6: r.ipv6,
      mac: r.mac,
      gatewayIpv4: reservations.v4.gateway,
      gatewayIpv6: reservations.v6.gateway,
      prefixIpv4: reservations.v4.cidr.prefix,
      prefixIpv6: reservations.v6.cidr.prefix,
      retain: r.retain,
      createdAt: timestampFromDate(r.createdAt),
    });
  return {
    createReservation(request) {
      const record = reservations.create(request);
      log.info("reservation created", { id: record.id, zone: record.zoneId, ipv4: record.ipv4 });
      return create(CreateReservationResponseSchema, { reservation: toProto(record) });
    },
    destroyReservation(request) {
      if (!request.id) throw new InvalidArgumentError("id", "must name a reservation");
      reservations.destroy(request.id);
      log.info("reservation destroyed", { id: request.id });
      return create(DestroyReservationResponseSchema, {});
    },
    listReservations() {
      return create(ListReservationsResponseSchema, {
        reservations: reservations.list().map(toProto),
      });
    },
    releaseZone(request) {
      const released = reservations.releaseZone(request.zoneId) ?? "";
      if (released) log.info("reservation released", { id: released, zone: request.zoneId });
      return create(ReleaseZoneResponseSchema, { releasedId: released });
    },
    async attachZone(request) {
      const link = request.link?.kind;
      const network = await zones.attach({
        zoneId: request.zoneId,
        netnsPid: link?.case === "netnsPid" ? link.value : undefined,
        vif: link?.case === "vif" ? link.value : undefined,
        publish: request.publish.map((p) => ({
          hostPort: p.hostPort,
          zonePort: p.zonePort,
          protocol: p.protocol === Protocol.UDP ? "udp" : "tcp",
        })),
        isolated: request.isolated,
      });
      const zone = network.plan.zone;
      return create(AttachZoneResponseSchema, {
        reservation: toProto(network.reservation),
        interface: create(ZoneInterfaceSchema, {
          name: zone.name,
          mac: zone.mac,
          addresses: zone.addresses,
          mtu: network.plan.mtu,
          routes: zone.routes.map((r) =>
            create(ZoneRouteSchema, { destination: r.destination, gateway: r.gateway ?? "" })
          ),
        }),
        dnsServers: network.dnsServers,
        hostLink: network.plan.hostLink,
      });
    },
    async detachZone(request) {
      await zones.detach(request.zoneId);
      return create(DetachZoneResponseSchema, {});
    },
  };
}
