import { create } from "@bufbuild/protobuf";
import {
  type WorkloadStart,
  WorkloadStartSchema,
  type WorkloadVolume,
} from "../../proto/gen/protect/idm/v1/idm_pb.ts";
import { type ImageInfo, PackFormat } from "../../proto/gen/protect/storage/v1/storage_pb.ts";
import type { WorkloadSpec } from "../../proto/mod.ts";
import { composeArgv } from "./workload_rules.ts";
import type { HostMountPlan } from "./host_mounts.ts";

/** Where the zone finds what the host prepared for one start. */
export interface PreparedStart {
  imagePath: string;
  volumes: WorkloadVolume[];
  /** The terminal size of an attach made before the start, if any. */
  size?: { rows: number; columns: number };
  /** The spec's bind mounts: copied in, or bound from the zone's shares. */
  hostMounts?: Pick<HostMountPlan, "binds" | "shareBinds">;
}

/**
 * The agent's start message for a workload: the spec over the image's config (command as
 * Docker composes it, environment with the spec's names winning, working directory, user),
 * and every field the agent applies.
 */
export function workloadStart(
  id: string,
  spec: WorkloadSpec,
  image: ImageInfo,
  prepared: PreparedStart,
): WorkloadStart {
  const config = image.config;
  const env = new Map((config?.env ?? []).map((e) => [e.split("=")[0], e]));
  for (const e of spec.process?.env ?? []) env.set(e.split("=")[0], e);
  const { process, security, resources } = spec;
  return create(WorkloadStartSchema, {
    workloadId: id,
    imagePath: prepared.imagePath,
    imageFormat: image.format === PackFormat.EROFS ? "erofs" : "squashfs",
    args: composeArgv(spec, config?.entrypoint ?? [], config?.cmd ?? []),
    env: [...env.values()],
    workingDirectory: process?.workingDirectory || config?.workingDir || "/",
    user: process?.user || config?.user || "",
    readOnlyRootFilesystem: security?.readOnlyRootFilesystem ?? false,
    privileged: security?.privileged ?? false,
    addCapabilities: security?.addCapabilities ?? [],
    dropCapabilities: security?.dropCapabilities ?? [],
    memoryLimitBytes: resources?.memoryLimitBytes ?? 0n,
    pidsLimit: resources?.pidsLimit ?? 0,
    cpuMillis: resources?.cpuMillis ?? 0,
    tty: process?.tty ?? false,
    openStdin: process?.stdin ?? false,
    seccomp: security?.seccompProfile ?? "",
    supplementalGroups: process?.supplementalGroups ?? [],
    allowPrivilegeEscalation: security?.allowPrivilegeEscalation ?? false,
    customMaskedPaths: security?.maskedPaths !== undefined,
    maskedPaths: security?.maskedPaths?.paths ?? [],
    customReadonlyPaths: security?.readonlyPaths !== undefined,
    readonlyPaths: security?.readonlyPaths?.paths ?? [],
    cpuShares: resources?.cpuShares ?? 0n,
    oomScoreAdj: resources?.oomScoreAdj ?? 0,
    shareZonePid: security?.shareZonePid ?? false,
    shareZoneIpc: security?.shareZoneIpc ?? false,
    tmpfs: spec.mounts.filter((m) => m.type === "tmpfs").map((m) => ({
      destination: m.destination,
      readOnly: m.readOnly,
    })),
    binds: prepared.hostMounts?.binds ?? [],
    shareBinds: prepared.hostMounts?.shareBinds ?? [],
    volumes: prepared.volumes,
    rows: prepared.size?.rows ?? 0,
    columns: prepared.size?.columns ?? 0,
  });
}
