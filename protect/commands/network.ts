import { toJson } from "@bufbuild/protobuf";
import { NetworkReservationSchema } from "../../proto/mod.ts";
import { daemonFor } from "../cli/context.ts";
import type { CommandSpec } from "../cli/framework/mod.ts";
import { render } from "../cli/output.ts";
import { resolveZoneId } from "../cli/resolve.ts";

const reservationCommand: CommandSpec = {
  name: "reservation",
  summary: "zone addresses (IPv4, IPv6, MAC) held by protect-network",
  commands: [
    {
      name: "list",
      aliases: ["ls"],
      summary: "list reservations",
      async run({ options }) {
        const { client, output } = daemonFor(options);
        const { reservations } = await client.listNetworkReservations({});
        console.log(
          await render(output, reservations, (r) => toJson(NetworkReservationSchema, r), [
            { header: "ID", cell: (r) => r.id },
            { header: "ZONE", cell: (r) => r.zoneId || "-" },
            { header: "IPV4", cell: (r) => `${r.ipv4}/${r.prefixIpv4}` },
            { header: "IPV6", cell: (r) => `${r.ipv6}/${r.prefixIpv6}` },
            { header: "MAC", cell: (r) => r.mac },
            { header: "RETAIN", cell: (r) => (r.retain ? "yes" : "no") },
          ]),
        );
      },
    },
    {
      name: "create",
      summary: "reserve addresses for a zone (or standalone, without --zone)",
      options: [
        { long: "zone", short: "z", value: "zone", description: "zone name or ID" },
        { long: "ipv4", value: "address", description: "this IPv4 address (default: lowest free)" },
        { long: "ipv6", value: "address", description: "this IPv6 address (default: lowest free)" },
        {
          long: "mac",
          value: "address",
          description: "this MAC: lowercase, locally administered unicast (default: random)",
        },
        { long: "retain", description: "keep the reservation when the zone is destroyed" },
      ],
      async run({ options }) {
        const { client, output } = daemonFor(options);
        const zoneId = options.zone ? await resolveZoneId(client, options.zone as string) : "";
        const { reservation } = await client.createNetworkReservation({
          zoneId,
          ipv4: (options.ipv4 as string) ?? "",
          ipv6: (options.ipv6 as string) ?? "",
          mac: (options.mac as string) ?? "",
          retain: options.retain === true,
        });
        if (!reservation) return;
        if (output === "table") {
          console.log(
            `reservation ${reservation.id}: ${reservation.ipv4}/${reservation.prefixIpv4} ` +
              `${reservation.ipv6}/${reservation.prefixIpv6} ${reservation.mac}`,
          );
        } else {
          console.log(
            await render(
              output,
              [reservation],
              (r) => toJson(NetworkReservationSchema, r),
              [],
              false,
            ),
          );
        }
      },
    },
    {
      name: "destroy",
      aliases: ["rm"],
      summary: "release a reservation",
      args: [{ name: "id", description: "reservation ID" }],
      async run({ args: [id], options }) {
        const { client } = daemonFor(options);
        await client.destroyNetworkReservation({ id });
        console.log(`reservation ${id} released`);
      },
    },
  ],
};

export const networkCommand: CommandSpec = {
  name: "network",
  summary: "zone networking (addresses; links and rules come with protect-network)",
  commands: [reservationCommand],
};
