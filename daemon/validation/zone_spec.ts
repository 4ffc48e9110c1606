import { clone, create } from "@bufbuild/protobuf";
import {
  HypervisorBackend,
  PortProtocol,
  type PortPublish,
  ResourcePolicy,
  ZoneResourcesSchema,
  type ZoneSpec,
  ZoneSpecSchema,
} from "../../proto/mod.ts";
import { isIP } from "node:net";
import { InvalidArgumentError, quoted, UnimplementedError } from "../../lib/errors/mod.ts";
import { dnsListProblem, MAX_DNS_SERVERS } from "../../lib/dns/mod.ts";
import { MAX_SYSCTLS, sysctlProblem } from "../../lib/sysctl/mod.ts";

/** RFC 1123 label: what a hostname, a CRI sandbox name and a DNS record can all hold. */
const NAME_PATTERN = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** Checks a zone or workload name; `field` says where it came from. */
export function validateName(name: string, field: string): void {
  if (name === "") throw new InvalidArgumentError(field, "must not be empty");
  if (!NAME_PATTERN.test(name)) {
    throw new InvalidArgumentError(
      field,
      `${quoted(name)} is not a DNS label (lowercase letters, digits and '-', ` +
        "1-63 characters, starting and ending with a letter or digit)",
    );
  }
}

export interface ZoneDefaults {
  memoryMib: number;
  cpus: number;
  /** The backend of a spec that names none (AUTO unless the host says otherwise). */
  backend?: HypervisorBackend;
}

const MAX_MEMORY_MIB = 1 << 20;
const MIN_MEMORY_MIB = 64;
const MAX_CPUS = 512;
const MAX_ANNOTATIONS = 64;
const MAX_KERNEL_OPTIONS_BYTES = 1024;

/**
 * Validates a zone spec and returns a copy with defaults filled in. Throws an
 * InvalidArgumentError naming the first bad field; the input is not modified.
 */
export function normalizeZoneSpec(input: ZoneSpec | undefined, defaults: ZoneDefaults): ZoneSpec {
  if (!input) throw new InvalidArgumentError("spec", "is required");
  const spec = clone(ZoneSpecSchema, input);
  validateName(spec.name, "spec.name");

  const r = spec.resources ?? create(ZoneResourcesSchema);
  const target = r.targetMemoryMib || r.maxMemoryMib || BigInt(defaults.memoryMib);
  const policy = r.policy || ResourcePolicy.STATIC;
  if (!(policy in ResourcePolicy)) {
    throw new InvalidArgumentError("spec.resources.policy", `unknown policy ${policy}`);
  }
  const memory = {
    // A DYNAMIC zone's floor is where it starts unless given; a STATIC zone may be shrunk by
    // hand to the smallest zone there is.
    min: r.minMemoryMib ||
      (policy === ResourcePolicy.DYNAMIC
        ? target
        : BigInt(Math.min(MIN_MEMORY_MIB, Number(target)))),
    target,
    max: r.maxMemoryMib || target,
  };
  const cpuTarget = r.targetCpus || r.maxCpus || defaults.cpus;
  const cpus = { min: r.minCpus || 1, target: cpuTarget, max: r.maxCpus || cpuTarget };
  for (const [key, value] of Object.entries(memory)) {
    if (value < MIN_MEMORY_MIB || value > MAX_MEMORY_MIB) {
      throw new InvalidArgumentError(
        `spec.resources.${key}_memory_mib`,
        `must be from ${MIN_MEMORY_MIB} to ${MAX_MEMORY_MIB} MiB (got ${value})`,
      );
    }
  }
  if (!(memory.min <= memory.target && memory.target <= memory.max)) {
    throw new InvalidArgumentError(
      "spec.resources",
      `memory must satisfy min <= target <= max (got ${memory.min}, ${memory.target}, ${memory.max})`,
    );
  }
  for (const [key, value] of Object.entries(cpus)) {
    if (value < 1 || value > MAX_CPUS) {
      throw new InvalidArgumentError(
        `spec.resources.${key}_cpus`,
        `must be from 1 to ${MAX_CPUS} (got ${value})`,
      );
    }
  }
  if (!(cpus.min <= cpus.target && cpus.target <= cpus.max)) {
    throw new InvalidArgumentError(
      "spec.resources",
      `cpus must satisfy min <= target <= max (got ${cpus.min}, ${cpus.target}, ${cpus.max})`,
    );
  }
  if (policy === ResourcePolicy.DYNAMIC && memory.min === memory.max && cpus.min === cpus.max) {
    throw new InvalidArgumentError(
      "spec.resources.policy",
      "DYNAMIC needs room to move: min_memory_mib below max_memory_mib, or min_cpus below max_cpus",
    );
  }
  spec.resources = create(ZoneResourcesSchema, {
    policy,
    minMemoryMib: memory.min,
    targetMemoryMib: memory.target,
    maxMemoryMib: memory.max,
    minCpus: cpus.min,
    targetCpus: cpus.target,
    maxCpus: cpus.max,
  });

  if (!(spec.backend in HypervisorBackend)) {
    throw new InvalidArgumentError("spec.backend", `unknown backend ${spec.backend}`);
  }
  if (spec.backend === HypervisorBackend.UNSPECIFIED) {
    spec.backend = defaults.backend ?? HypervisorBackend.AUTO;
  }

  for (const field of ["kernel", "initrd"] as const) {
    if (spec[field].length > 4096 || spec[field].includes("\0")) {
      throw new InvalidArgumentError(
        `spec.${field}`,
        "must be a path or reference under 4096 bytes",
      );
    }
  }
  const annotations = Object.entries(spec.annotations);
  if (annotations.length > MAX_ANNOTATIONS) {
    throw new InvalidArgumentError("spec.annotations", `at most ${MAX_ANNOTATIONS} entries`);
  }
  for (const [key, value] of annotations) {
    if (key === "" || key.length > 253 || /\s/.test(key)) {
      throw new InvalidArgumentError(
        `spec.annotations["${key}"]`,
        "key must be 1-253 non-space characters",
      );
    }
    if (value.length > 4096) {
      throw new InvalidArgumentError(
        `spec.annotations["${key}"]`,
        "value must be at most 4096 bytes",
      );
    }
  }
  spec.kernelOptions.forEach((option, i) => {
    if (option === "" || /[\s\0]/.test(option)) {
      throw new InvalidArgumentError(`spec.kernel_options[${i}]`, "must be one non-empty word");
    }
  });
  if (spec.kernelOptions.join(" ").length > MAX_KERNEL_OPTIONS_BYTES) {
    throw new InvalidArgumentError(
      "spec.kernel_options",
      `at most ${MAX_KERNEL_OPTIONS_BYTES} bytes in all`,
    );
  }
  // Accepted fields are honoured or refused, never dropped: this one is not built yet.
  if (spec.scratchDisk && spec.scratchDisk.sizeMib > 0n) {
    throw new UnimplementedError(
      "spec.scratch_disk: a zone scratch disk is not available yet (workloads' writable " +
        "layers live in the zone's memory); for data on disk use a volume (protect volume create)",
    );
  }
  if (spec.hostname !== "") validateName(spec.hostname, "spec.hostname");
  const sysctls = Object.entries(spec.sysctls);
  if (sysctls.length > MAX_SYSCTLS) {
    throw new InvalidArgumentError("spec.sysctls", `more than ${MAX_SYSCTLS}`);
  }
  for (const [name, value] of sysctls) {
    const problem = sysctlProblem(name, value);
    if (problem) throw new InvalidArgumentError(`spec.sysctls["${name.slice(0, 80)}"]`, problem);
  }
  validateNetwork(spec);
  return spec;
}

const MAX_PUBLISHED_PORTS = 64;

/** Published ports: in range, each host port once; none asked of a zone without a network. */
function validateNetwork(spec: ZoneSpec): void {
  const network = spec.network;
  if (!network) return;
  if (network.disabled && (network.publish.length > 0 || network.isolated)) {
    throw new InvalidArgumentError(
      "spec.network",
      "a zone without a network cannot publish ports or be isolated",
    );
  }
  validatePublish(network.publish, "spec.network.publish");
  const dns = network.dns;
  if (dns) {
    if (dns.servers.length > MAX_DNS_SERVERS) {
      throw new InvalidArgumentError("spec.network.dns.servers", `at most ${MAX_DNS_SERVERS}`);
    }
    dns.servers.forEach((s, i) => {
      if (isIP(s) === 0) {
        throw new InvalidArgumentError(
          `spec.network.dns.servers[${i}]`,
          `"${s.slice(0, 60)}" is not an address`,
        );
      }
    });
    const problem = dnsListProblem(dns.searches, dns.options);
    if (problem) throw new InvalidArgumentError("spec.network.dns", problem);
  }
}

/**
 * Published ports: in range, TCP unless UDP is asked for (filled in), each host
 * port and protocol once. `field` names the list in errors.
 */
export function validatePublish(publish: PortPublish[], field: string): void {
  if (publish.length > MAX_PUBLISHED_PORTS) {
    throw new InvalidArgumentError(field, `at most ${MAX_PUBLISHED_PORTS}`);
  }
  const seen = new Set<string>();
  publish.forEach((p, i) => {
    for (const key of ["hostPort", "zonePort"] as const) {
      if (p[key] < 1 || p[key] > 65535) {
        const name = key === "hostPort" ? "host_port" : "zone_port";
        throw new InvalidArgumentError(
          `${field}[${i}].${name}`,
          `must be a port from 1 to 65535 (got ${p[key]})`,
        );
      }
    }
    if (!(p.protocol in PortProtocol)) {
      throw new InvalidArgumentError(`${field}[${i}].protocol`, "unknown protocol");
    }
    if (p.protocol === PortProtocol.UNSPECIFIED) p.protocol = PortProtocol.TCP;
    const key = `${p.hostPort}/${PortProtocol[p.protocol].toLowerCase()}`;
    if (seen.has(key)) {
      throw new InvalidArgumentError(`${field}[${i}]`, `host port ${key} is published twice`);
    }
    seen.add(key);
  });
}
