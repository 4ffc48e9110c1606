import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import {
  CreateReservationResponseSchema,
  DestroyReservationResponseSchema,
  ListReservationsResponseSchema,
  type NetworkService,
  ReleaseZoneResponseSchema,
  type Reservation,
  ReservationSchema,
} from "../../proto/gen/protect/network/v1/network_pb.ts";
import { InvalidArgumentError } from "../../lib/errors/mod.ts";
import type { Logger } from "../../lib/log/mod.ts";
import type { ReservationRecord, Reservations } from "../reservations/reservations.ts";

/** protect.network.v1 over the reservations store. */
export function networkService(
  reservations: Reservations,
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
  };
}
