import type { StorageConnection } from "../clients/storage_client.ts";

/** The block devices protect volumes live on (device path → volume name), from protect-storage. */
export async function deviceVolumes(storage: StorageConnection): Promise<Map<string, string>> {
  const { volumes } = await storage.client.listVolumes({});
  return new Map(volumes.filter((v) => v.blockDevice).map((v) => [v.path, v.name]));
}
