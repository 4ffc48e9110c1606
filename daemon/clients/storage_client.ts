import { StorageService } from "../../proto/gen/protect/storage/v1/storage_pb.ts";
import { ServiceConnection } from "./service_connection.ts";

/** The daemon's client of protect-storage (images, scratch disks). */
export class StorageConnection extends ServiceConnection<typeof StorageService> {
  constructor(socket: string) {
    super(StorageService, "protect-storage", socket);
  }
}
