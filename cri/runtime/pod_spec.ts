import { create } from "@bufbuild/protobuf";
import {
  type LinuxContainerResources,
  NamespaceMode,
  type PodSandboxConfig,
  Protocol,
} from "../../proto/gen/k8s.io/cri-api/pkg/apis/runtime/v1/api_pb.ts";
import { HypervisorBackend, PortProtocol, type ZoneSpec, ZoneSpecSchema } from "../../proto/mod.ts";
import { InvalidArgumentError, UnimplementedError } from "../../lib/errors/mod.ts";

/** The annotations that tune a pod's zone; any other `protect.dev/` key is refused. */
export const POD_ANNOTATIONS = {
  kernel: "protect.dev/kernel",
  initrd: "protect.dev/initrd",
  backend: "protect.dev/backend",
  memory: "protect.dev/memory-mib",
  maxMemory: "protect.dev/max-memory-mib",
  cpus: "protect.dev/cpus",
} as const;

const BACKENDS: Record<string, HypervisorBackend> = {
  auto: HypervisorBackend.AUTO,
  pv: HypervisorBackend.PV,
  pvh: HypervisorBackend.PVH,
};

/** What the agent and the zone's own kernel need beside the workloads' limits. */
const ZONE_OVERHEAD_MIB = 192;
const MIB = 1024n * 1024n;
const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** A DNS label from any pod name: lowercase, [a-z0-9-], at most `max` characters. */
export function dnsLabel(text: string, max = 63): string {
  const label = text.toLowerCase().replace(/[^a-z0-9-]+/g, "-").slice(0, max)
    .replace(/^-+|-+$/g, "");
  return label || "pod";
}

function positiveInt(annotations: Record<string, string>, key: string): number {
  const value = annotations[key];
  if (value === undefined) return 0;
  if (!/^[1-9][0-9]{0,6}$/.test(value)) {
    throw new InvalidArgumentError(
      `config.annotations["${key}"]`,
      `"${value}" is not a positive integer`,
    );
  }
  return Number(value);
}

/** Memory for the zone: the pod's limits (with overhead) plus what the agent needs. */
function podMemoryMib(resources?: LinuxContainerResources, overhead?: LinuxContainerResources) {
  const limit = (resources?.memoryLimitInBytes ?? 0n) + (overhead?.memoryLimitInBytes ?? 0n);
  return limit > 0n ? Number((limit + MIB - 1n) / MIB) + ZONE_OVERHEAD_MIB : 0;
}

/** vCPUs for the zone: the pod's CPU quota rounded up, at least one. */
function podCpus(resources?: LinuxContainerResources): number {
  const quota = resources?.cpuQuota ?? 0n;
  const period = resources?.cpuPeriod ?? 0n;
  if (quota <= 0n || period <= 0n) return 0;
  return Number((quota + period - 1n) / period);
}

/**
 * The zone a pod sandbox runs in. A zone is a VM: what only a shared host kernel can give
 * (host network, PID or IPC namespaces, user-namespace pods, pod sysctls on the host) is
 * refused with the reason, never dropped.
 */
export function podZoneSpec(
  config: PodSandboxConfig,
  podId: string,
  /** kubelet's directory for the pod, when there is one: the zone shares it. */
  podDir?: string,
): ZoneSpec {
  const meta = config.metadata;
  if (!meta?.name || !meta.namespace || !meta.uid) {
    throw new InvalidArgumentError("config.metadata", "name, namespace and uid are required");
  }
  const ns = config.linux?.securityContext?.namespaceOptions;
  const hostShared = (mode: NamespaceMode | undefined, field: string, podField: string) => {
    if (mode === NamespaceMode.NODE) {
      throw new InvalidArgumentError(
        `config.linux.security_context.namespace_options.${field}`,
        `a pod runs in its own VM (a zone) and cannot share the host's ${field} namespace ` +
          `(${podField})`,
      );
    }
  };
  hostShared(ns?.network, "network", "hostNetwork");
  hostShared(ns?.pid, "pid", "hostPID");
  hostShared(ns?.ipc, "ipc", "hostIPC");
  if (ns?.usernsOptions && ns.usernsOptions.mode !== NamespaceMode.NODE) {
    throw new UnimplementedError(
      "config.linux.security_context.namespace_options.userns_options: user-namespaced pods " +
        "are not supported (the zone is the isolation boundary): set hostUsers: true in the " +
        "pod spec, or leave kubelet's UserNamespacesSupport feature gate off",
    );
  }
  if (config.hostname !== "" && !LABEL.test(config.hostname)) {
    throw new InvalidArgumentError(
      "config.hostname",
      `"${config.hostname.slice(0, 70)}" is not a DNS label`,
    );
  }
  const publish = config.portMappings.flatMap((p, i) => {
    if (p.hostPort === 0) return []; // a container port with no host port: nothing to forward
    if (p.hostIp !== "" && p.hostIp !== "0.0.0.0" && p.hostIp !== "::") {
      throw new InvalidArgumentError(
        `config.port_mappings[${i}].host_ip`,
        "a published port listens on every host address; a single address is not supported",
      );
    }
    if (p.protocol === Protocol.SCTP) {
      throw new InvalidArgumentError(
        `config.port_mappings[${i}].protocol`,
        "SCTP is not supported",
      );
    }
    return [{
      hostPort: p.hostPort,
      zonePort: p.containerPort,
      protocol: p.protocol === Protocol.UDP ? PortProtocol.UDP : PortProtocol.TCP,
    }];
  });
  const annotations = config.annotations;
  for (const key of Object.keys(annotations)) {
    if (key.startsWith("protect.dev/") && !Object.values(POD_ANNOTATIONS).includes(key as never)) {
      throw new InvalidArgumentError(
        `config.annotations["${key}"]`,
        `unknown; protect.dev/ annotations are ${Object.values(POD_ANNOTATIONS).join(", ")}`,
      );
    }
  }
  const backendName = annotations[POD_ANNOTATIONS.backend] ?? "auto";
  const backend = BACKENDS[backendName];
  if (backend === undefined) {
    throw new InvalidArgumentError(
      `config.annotations["${POD_ANNOTATIONS.backend}"]`,
      `"${backendName}" is not auto, pv or pvh`,
    );
  }
  const memory = positiveInt(annotations, POD_ANNOTATIONS.memory) ||
    podMemoryMib(config.linux?.resources, config.linux?.overhead);
  const maxMemory = positiveInt(annotations, POD_ANNOTATIONS.maxMemory);
  const cpus = positiveInt(annotations, POD_ANNOTATIONS.cpus) || podCpus(config.linux?.resources);
  return create(ZoneSpecSchema, {
    // Unique and readable: the pod's name, then the sandbox ID's first characters.
    name: `${dnsLabel(meta.name, 50)}-${podId.slice(0, 12)}`,
    hostname: config.hostname || dnsLabel(meta.name),
    // The pod's kernel is the zone's own: its sysctls are set there.
    sysctls: config.linux?.sysctls ?? {},
    // kubelet makes the pod's volumes, /etc/hosts and termination-log files there.
    shares: podDir ? [{ hostPath: podDir }] : [],
    kernel: annotations[POD_ANNOTATIONS.kernel] ?? "",
    initrd: annotations[POD_ANNOTATIONS.initrd] ?? "",
    backend,
    resources: {
      targetMemoryMib: BigInt(memory),
      maxMemoryMib: BigInt(Math.max(maxMemory, memory)),
      targetCpus: cpus,
      maxCpus: cpus,
    },
    annotations: {
      "io.kubernetes.pod.name": meta.name,
      "io.kubernetes.pod.namespace": meta.namespace,
      "io.kubernetes.pod.uid": meta.uid,
      "protect.dev/cri-sandbox-id": podId,
    },
    network: {
      publish,
      ...(config.dnsConfig && {
        dns: {
          servers: config.dnsConfig.servers,
          searches: config.dnsConfig.searches,
          options: config.dnsConfig.options,
        },
      }),
    },
  });
}
