import { create } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import {
  type ControlService,
  CreateNetworkReservationResponseSchema,
  DestroyNetworkReservationResponseSchema,
  ListNetworkReservationsResponseSchema,
  type NetworkReservation,
  NetworkReservationSchema,
} from "../../proto/mod.ts";
import type { Reservation } from "../../proto/gen/protect/network/v1/network_pb.ts";
import { UnavailableError } from "../../lib/errors/mod.ts";
import type { NetworkConnection } from "../clients/network_client.ts";
import type { ApiContext } from "./context.ts";

function toControl(r: Reservation): NetworkReservation {
  return create(NetworkReservationSchema, {
    id: r.id,
    zoneId: r.zoneId,
    ipv4: r.ipv4,
    ipv6: r.ipv6,
    mac: r.mac,
    gatewayIpv4: r.gatewayIpv4,
    gatewayIpv6: r.gatewayIpv6,
    prefixIpv4: r.prefixIpv4,
    prefixIpv6: r.prefixIpv6,
    retain: r.retain,
  });
}

/** Network reservation RPCs, forwarded to protect-network. */
export function networkHandlers(ctx: ApiContext): Partial<ServiceImpl<typeof ControlService>> {
  const network = (): NetworkConnection => {
    if (!ctx.network) throw new UnavailableError("this daemon has no protect-network configured");
    return ctx.network;
  };
  const forward = async <T>(call: (n: NetworkConnection) => Promise<T>): Promise<T> => {
    const n = network();
    try {
      return await call(n);
    } catch (e) {
      throw n.error(e);
    }
  };
  return {
    async createNetworkReservation(request) {
      // A zone reference must name a zone this daemon knows (NotFound otherwise).
      const zoneId = request.zoneId ? ctx.zones.store.resolve(request.zoneId).id : "";
      const { reservation } = await forward((n) =>
        n.client.createReservation({
          zoneId,
          ipv4: request.ipv4,
          ipv6: request.ipv6,
          retain: request.retain,
          mac: request.mac,
        })
      );
      return create(CreateNetworkReservationResponseSchema, {
        reservation: reservation && toControl(reservation),
      });
    },
    async destroyNetworkReservation(request) {
      await forward((n) => n.client.destroyReservation({ id: request.id }));
      return create(DestroyNetworkReservationResponseSchema, {});
    },
    async listNetworkReservations() {
      const { reservations } = await forward((n) => n.client.listReservations({}));
      return create(ListNetworkReservationsResponseSchema, {
        reservations: reservations.map(toControl),
      });
    },
  };
}
