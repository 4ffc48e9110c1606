import { create } from "@bufbuild/protobuf";
import {
  type ContainerConfig,
  type LinuxContainerResources,
  type LinuxContainerSecurityContext,
  MountPropagation,
  NamespaceMode,
  type SecurityProfile,
  SecurityProfile_ProfileType as ProfileType,
  SupplementalGroupsPolicy,
} from "../../proto/gen/k8s.io/cri-api/pkg/apis/runtime/v1/api_pb.ts";
import { type WorkloadSpec, WorkloadSpecSchema } from "../../proto/mod.ts";
import { InvalidArgumentError, UnimplementedError } from "../../lib/errors/mod.ts";
import { dnsLabel } from "./pod_spec.ts";

/** Reads a Localhost seccomp profile from the host (a seam for tests). */
export type ProfileReader = (path: string) => string;

const MAX_PROFILE_BYTES = 1024 * 1024;

export const readProfileFile: ProfileReader = (path) => {
  if (!path.startsWith("/")) {
    throw new InvalidArgumentError(
      "seccomp.localhost_ref",
      `"${path.slice(0, 80)}" is not absolute`,
    );
  }
  const info = Deno.statSync(path);
  if (!info.isFile || info.size > MAX_PROFILE_BYTES) {
    throw new InvalidArgumentError(
      "seccomp.localhost_ref",
      `${path} is not a file of at most 1 MiB`,
    );
  }
  return Deno.readTextFileSync(path);
};

const unsupported = (field: string, why: string) =>
  new UnimplementedError(`config.${field}: ${why}`);

/** The workload's seccomp setting from the CRI's profile (or its deprecated path form). */
function seccompOf(sc: LinuxContainerSecurityContext | undefined, read: ProfileReader): string {
  const profile: SecurityProfile | undefined = sc?.seccomp;
  if (profile) {
    if (profile.profileType === ProfileType.RuntimeDefault) return "default";
    if (profile.profileType === ProfileType.Unconfined) return "unconfined";
    return read(profile.localhostRef);
  }
  const path = sc?.seccompProfilePath ?? "";
  if (path === "" || path === "runtime/default" || path === "docker/default") return "default";
  if (path === "unconfined") return "unconfined";
  if (path.startsWith("localhost/")) return read(path.slice("localhost/".length));
  throw new InvalidArgumentError(
    "config.linux.security_context.seccomp_profile_path",
    `"${path}" is not a profile`,
  );
}

/** "uid[:gid]" or a user name, as the workload API takes it. */
function userOf(sc: LinuxContainerSecurityContext | undefined): string {
  const group = sc?.runAsGroup ? `:${sc.runAsGroup.value}` : "";
  if (sc?.runAsUsername) return `${sc.runAsUsername}${group}`;
  if (sc?.runAsUser) return `${sc.runAsUser.value}${group}`;
  if (group) {
    throw new InvalidArgumentError(
      "config.linux.security_context.run_as_group",
      "needs run_as_user or run_as_username",
    );
  }
  return "";
}

/** The fields a zone cannot give, refused with the reason rather than dropped. */
function refuseUnsupported(config: ContainerConfig): void {
  if (config.devices.length > 0) {
    throw unsupported("devices", "host devices cannot be passed into a zone's containers yet");
  }
  if (config.CDIDevices.length > 0) {
    throw unsupported("CDI_devices", "CDI devices are not supported");
  }
  const sc = config.linux?.securityContext;
  if (sc?.capabilities?.addAmbientCapabilities.length) {
    throw unsupported(
      "linux.security_context.capabilities.add_ambient_capabilities",
      "not supported",
    );
  }
  const se = sc?.selinuxOptions;
  if (se && (se.user || se.role || se.type || se.level)) {
    throw unsupported("linux.security_context.selinux_options", "zones run no SELinux policy");
  }
  if (
    sc?.apparmor?.profileType === ProfileType.Localhost ||
    sc?.apparmorProfile?.startsWith("localhost/")
  ) {
    throw unsupported(
      "linux.security_context.apparmor",
      "zones run no AppArmor; only RuntimeDefault or Unconfined",
    );
  }
  if (sc?.supplementalGroupsPolicy === SupplementalGroupsPolicy.Strict) {
    throw unsupported(
      "linux.security_context.supplemental_groups_policy",
      "Strict is not supported (Merge is)",
    );
  }
  const ns = sc?.namespaceOptions;
  if (
    ns?.network === NamespaceMode.NODE || ns?.pid === NamespaceMode.NODE ||
    ns?.ipc === NamespaceMode.NODE
  ) {
    throw new InvalidArgumentError(
      "config.linux.security_context.namespace_options",
      "a container in a zone cannot share the host's namespaces",
    );
  }
  if (ns?.pid === NamespaceMode.TARGET) {
    throw unsupported(
      "linux.security_context.namespace_options.pid",
      "TARGET (ephemeral containers) is not supported",
    );
  }
  if (config.linux?.resources) {
    refuseUnsupportedResources(config.linux.resources, "config.linux.resources");
  }
  config.mounts.forEach((m, i) => {
    const field = `mounts[${i}]`;
    if (m.image) throw unsupported(`${field}.image`, "image volumes are not supported");
    if (m.uidMappings.length || m.gidMappings.length) {
      throw unsupported(`${field}.uid_mappings`, "id-mapped mounts are not supported");
    }
    if (m.propagation !== MountPropagation.PROPAGATION_PRIVATE) {
      throw unsupported(
        `${field}.propagation`,
        "a host directory reaches the zone as a 9pfs share or a copy; mounts cannot propagate " +
          "across the VM boundary",
      );
    }
  });
}

/** Resource settings a zone cannot give, refused by `field` with the reason. */
export function refuseUnsupportedResources(r: LinuxContainerResources, field: string): void {
  const refuse = (name: string, why: string) => new UnimplementedError(`${field}.${name}: ${why}`);
  if (r.cpusetCpus || r.cpusetMems) {
    throw refuse("cpuset_cpus", "cpusets are the zone's vCPUs; not settable per container");
  }
  if (r.hugepageLimits.some((h) => h.limit > 0n)) {
    throw refuse("hugepage_limits", "zones have no huge pages");
  }
  if (Object.keys(r.unified).length > 0) {
    throw refuse("unified", "raw cgroup v2 settings are not supported");
  }
  if (r.memorySwapLimitInBytes > 0n && r.memorySwapLimitInBytes !== r.memoryLimitInBytes) {
    throw refuse("memory_swap_limit_in_bytes", "zones have no swap");
  }
}

/** The workload's limits from the CRI's (cpu quota and period become millicores). */
export function workloadResources(r?: LinuxContainerResources) {
  const period = r?.cpuPeriod || 100_000n;
  return {
    memoryLimitBytes: r?.memoryLimitInBytes ?? 0n,
    cpuMillis: r && r.cpuQuota > 0n ? Number((r.cpuQuota * 1000n + period - 1n) / period) : 0,
    cpuShares: r?.cpuShares ?? 0n,
    oomScoreAdj: Number(r?.oomScoreAdj ?? 0n),
  };
}

/**
 * The workload a CRI container becomes, in its pod's zone (`zoneId`). Command replaces the
 * image's ENTRYPOINT and args its CMD, as kubelet means them. Containers share the zone's
 * PID / IPC namespaces when the pod says POD.
 */
export function containerWorkloadSpec(
  config: ContainerConfig,
  zoneId: string,
  containerId: string,
  read: ProfileReader = readProfileFile,
): WorkloadSpec {
  const meta = config.metadata;
  if (!meta?.name) throw new InvalidArgumentError("config.metadata.name", "is required");
  if (!config.image?.image) throw new InvalidArgumentError("config.image.image", "is required");
  refuseUnsupported(config);
  const sc = config.linux?.securityContext;
  return create(WorkloadSpecSchema, {
    zone: zoneId,
    name: `${dnsLabel(meta.name, 50)}-${containerId.slice(0, 12)}`,
    image: config.image.image,
    process: {
      entrypoint: config.command,
      args: config.args,
      env: config.envs.map((e) => `${e.key}=${e.value}`),
      workingDirectory: config.workingDir,
      user: userOf(sc),
      tty: config.tty,
      stdin: config.stdin,
      supplementalGroups: (sc?.supplementalGroups ?? []).map(Number),
    },
    mounts: config.mounts.map((m) => ({
      type: "bind",
      source: m.hostPath,
      destination: m.containerPath,
      readOnly: m.readonly,
    })),
    security: {
      addCapabilities: sc?.capabilities?.addCapabilities ?? [],
      dropCapabilities: sc?.capabilities?.dropCapabilities ?? [],
      privileged: sc?.privileged ?? false,
      readOnlyRootFilesystem: sc?.readonlyRootfs ?? false,
      seccompProfile: seccompOf(sc, read),
      allowPrivilegeEscalation: !(sc?.noNewPrivs ?? false),
      // kubelet sends the lists it wants (empty for privileged or an unmasked /proc).
      maskedPaths: { paths: sc?.maskedPaths ?? [] },
      readonlyPaths: { paths: sc?.readonlyPaths ?? [] },
      shareZonePid: sc?.namespaceOptions?.pid === NamespaceMode.POD,
      shareZoneIpc: (sc?.namespaceOptions?.ipc ?? NamespaceMode.POD) === NamespaceMode.POD,
    },
    resources: workloadResources(config.linux?.resources),
  });
}
