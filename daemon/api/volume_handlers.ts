import { create } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import {
  type ControlService,
  CreateVolumeResponseSchema,
  ListVolumesResponseSchema,
  RemoveVolumeResponseSchema,
  type Volume,
  VolumeSchema,
} from "../../proto/mod.ts";
import type { VolumeInfo } from "../../proto/gen/protect/storage/v1/storage_pb.ts";
import { FailedPreconditionError } from "../../lib/errors/mod.ts";
import { checkVolumeName } from "../../lib/volumes/mod.ts";
import type { VolumeHolder } from "../workloads/workload_volumes.ts";
import type { ApiContext } from "./context.ts";

function toVolume(info: VolumeInfo, holder?: VolumeHolder): Volume {
  return create(VolumeSchema, {
    name: info.name,
    sizeBytes: info.sizeBytes,
    path: info.path,
    blockDevice: info.blockDevice,
    createdAt: info.createdAt,
    zoneId: holder?.zoneId ?? "",
    workloadIds: holder?.workloadIds ?? [],
  });
}

/** Volume RPCs: protect-storage keeps the volumes; the daemon knows which zone uses each. */
export function volumeHandlers(ctx: ApiContext): Partial<ServiceImpl<typeof ControlService>> {
  const { storage } = ctx;
  const holders = () => ctx.workloadManager.volumes.holders();
  return {
    async createVolume(request) {
      checkVolumeName(request.name, "name");
      try {
        const { volume } = await storage.client.createVolume({
          name: request.name,
          sizeMib: request.sizeMib,
          device: request.device,
        });
        return create(CreateVolumeResponseSchema, { volume: toVolume(volume!) });
      } catch (e) {
        throw storage.error(e);
      }
    },

    async listVolumes() {
      try {
        const { volumes } = await storage.client.listVolumes({});
        const held = holders();
        return create(ListVolumesResponseSchema, {
          volumes: volumes.map((v) => toVolume(v, held.get(v.name))),
        });
      } catch (e) {
        throw storage.error(e);
      }
    },

    async removeVolume(request) {
      checkVolumeName(request.name, "name");
      const holder = holders().get(request.name);
      if (holder) {
        throw new FailedPreconditionError(
          `volume ${request.name} is in use in zone ${holder.zoneId} by workload ` +
            `${holder.workloadIds.join(", ")}; stop or destroy it first`,
        );
      }
      try {
        await storage.client.removeVolume({ name: request.name });
        return create(RemoveVolumeResponseSchema);
      } catch (e) {
        throw storage.error(e);
      }
    },
  };
}
