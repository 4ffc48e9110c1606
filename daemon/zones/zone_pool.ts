import { equals } from "@bufbuild/protobuf";
import {
  HypervisorBackend,
  ZoneResourcesSchema,
  type ZoneSpec,
  ZoneState,
} from "../../proto/mod.ts";
import type { ZoneRecord } from "../state/mod.ts";

/**
 * Why a zone asked for as `wanted` cannot be a claimed warm-pool zone booted as `pooled`
 * (both normalised), or undefined when it can. What a guest is built with cannot change
 * once it runs: its kernel, initrd and command line, its memory and vCPU bounds, its type,
 * whether it has a NIC, and its 9pfs shares (libxl adds none to a running domain). Devices
 * and a scratch disk boot cold too. Everything else (name, hostname, network settings,
 * DNS, sysctls, annotations) is the claimant's, applied by the bootstrap.
 */
export function poolShapeMismatch(pooled: ZoneSpec, wanted: ZoneSpec): string | undefined {
  if (wanted.devices.length > 0) return "it names devices";
  if (wanted.shares.length > 0) return "it has shares";
  if ((wanted.scratchDisk?.sizeMib ?? 0n) > 0n) return "it asks for a scratch disk";
  if (pooled.kernel !== wanted.kernel) return "another kernel";
  if (pooled.initrd !== wanted.initrd) return "another initrd";
  if (pooled.kernelOptions.join("\0") !== wanted.kernelOptions.join("\0")) {
    return "other kernel options";
  }
  if (!equals(ZoneResourcesSchema, pooled.resources!, wanted.resources!)) {
    return "other resources";
  }
  if (pooled.backend !== wanted.backend) return "another backend";
  if ((pooled.network?.disabled ?? false) !== (wanted.network?.disabled ?? false)) {
    return "network on or off differs";
  }
  return undefined;
}

/**
 * The pool zone a CreateZone of `wanted` should claim: POOLED, still wanted, of the same
 * shape; the oldest first, so none sits in the pool forever.
 */
export function findPoolZone(zones: ZoneRecord[], wanted: ZoneSpec): ZoneRecord | undefined {
  return zones
    .filter((z) =>
      z.spec.pool && z.state === ZoneState.POOLED && z.desired === "present" &&
      poolShapeMismatch(z.spec, wantedAs(z, wanted)) === undefined
    )
    .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime())[0];
}

/**
 * A request for a PV or PVH zone may take an AUTO pool zone that booted as that type:
 * the guest is what was asked for.
 */
function wantedAs(pooled: ZoneRecord, wanted: ZoneSpec): ZoneSpec {
  const sameType = pooled.spec.backend === HypervisorBackend.AUTO &&
    wanted.backend !== HypervisorBackend.AUTO && pooled.backend === wanted.backend;
  return sameType ? { ...wanted, backend: HypervisorBackend.AUTO } : wanted;
}
