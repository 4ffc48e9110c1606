import { NetworkService } from "../../proto/gen/protect/network/v1/network_pb.ts";
import { ServiceConnection } from "./service_connection.ts";

/** The daemon's client of protect-network (address reservations). */
export class NetworkConnection extends ServiceConnection<typeof NetworkService> {
  constructor(socket: string) {
    super(NetworkService, "protect-network", socket);
  }
}
