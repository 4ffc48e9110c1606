import type { Bootstrap } from "../proto/gen/protect/idm/v1/idm_pb.ts";
import type { Logger } from "../lib/log/mod.ts";
import { creditEntropy, setHostname } from "./kernel_calls.ts";
import { writeKernelFile } from "../xen/mod.ts";
import { isNamespacedSysctl, sysctlPath, sysctlProblem } from "../lib/sysctl/mod.ts";
import { setOnlineCpus } from "./cpu_online.ts";
import { networkCommands, resolvConf } from "./network_setup.ts";
import { runTool } from "../lib/tools/mod.ts";

/** The host effects of bootstrap, injected so the agent's logic tests without root. */
export interface System {
  setHostname(name: string): Promise<void>;
  /** Writes a kernel parameter (name as sysctl(8) takes it). */
  setSysctl(name: string, value: string): Promise<void>;
  /** Mixes host-provided randomness into the kernel pool. */
  addEntropy(seed: Uint8Array): Promise<void>;
  /** True when addEntropy also credits the seed (the pool counts it as entropy). */
  readonly creditsEntropy?: boolean;
  /** Brings that many CPUs online (Xen zones); returns how many are online. */
  setOnlineCpus?(count: number): Promise<number>;
  /** Runs ip(8) with each argument list, in order. */
  configureNetwork(commands: string[][]): Promise<void>;
}

const HOSTNAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * Validates the host's bootstrap message, then applies it: hostname, entropy,
 * network, and (with `resolvConfPath`) the DNS servers workloads will see.
 */
export async function applyBootstrap(
  b: Bootstrap,
  system: System,
  log: Logger,
  resolvConfPath?: string,
): Promise<void> {
  if (!HOSTNAME.test(b.hostname)) {
    throw new Error(`bootstrap hostname "${b.hostname}" is not a DNS label`);
  }
  if (b.randomSeed.length < 16 || b.randomSeed.length > 4096) {
    throw new Error(`bootstrap random seed of ${b.randomSeed.length} bytes (want 16-4096)`);
  }
  const commands = networkCommands(b.interfaces);
  const resolv = resolvConf(b.dnsServers, b.dnsSearches, b.dnsOptions);
  await system.setHostname(b.hostname);
  await system.addEntropy(b.randomSeed);
  await system.configureNetwork(commands);
  for (const [name, value] of Object.entries(b.sysctls)) {
    const problem = sysctlProblem(name, value);
    if (problem) throw new Error(`bootstrap sysctl: ${problem}`);
    await system.setSysctl(name, value);
  }
  if (resolvConfPath && resolv) await Deno.writeTextFile(resolvConfPath, resolv);
  log.info("bootstrap applied", {
    zone: b.zoneId,
    hostname: b.hostname,
    addresses: b.interfaces.flatMap((i) => i.addresses),
    entropy: system.creditsEntropy ? `${b.randomSeed.length * 8} bits credited` : "mixed in",
  });
}

/**
 * Runs the commands as one `ip -batch -` (iproute2): one process instead of a
 * dozen, which shows under TCG. It stops at the first failing line and names it.
 * Every word was validated (no whitespace), so joining them with spaces is exact.
 */
async function runIp(commands: string[][]): Promise<void> {
  const script = commands.map((c) => c.join(" ") + "\n").join("");
  await runTool("ip", ["-batch", "-"], script).catch((e) => {
    throw new Error(`configuring the network: ${(e as Error).message}`);
  });
}

/** The real effects, for an agent running as root in its own UTS namespace (no FFI grant). */
export const linuxSystem: System = {
  configureNetwork: runIp,
  async setSysctl(name, value) {
    // This zone shares the host's kernel: only what its namespaces keep (the daemon checks too).
    if (!isNamespacedSysctl(name)) throw new Error(`sysctl ${name} is not this zone's to set`);
    const out = await new Deno.Command("sysctl", {
      args: ["-w", `${name}=${value}`],
      stdout: "null",
      stderr: "piped",
    }).output();
    if (!out.success) {
      throw new Error(`sysctl ${name}: ${new TextDecoder().decode(out.stderr).trim()}`);
    }
  },
  async setHostname(name) {
    const out = await new Deno.Command("hostname", { args: [name], stderr: "piped" }).output();
    if (!out.success) {
      throw new Error(`hostname ${name}: ${new TextDecoder().decode(out.stderr).trim()}`);
    }
  },
  async addEntropy(seed) {
    // Writing mixes the bytes in (crediting them needs an ioctl Deno cannot make).
    await Deno.writeFile("/dev/urandom", seed);
  },
};

/** Inside a Xen zone the agent is the guest's init with FFI: direct kernel calls, seed credited. */
export const xenZoneSystem: System = {
  creditsEntropy: true,
  configureNetwork: runIp,
  setSysctl: (name, value) => Promise.resolve(writeKernelFile(sysctlPath(name), value)),
  setOnlineCpus: (count) => setOnlineCpus(count),
  setHostname: (name) => Promise.resolve(setHostname(name)),
  addEntropy: (seed) => Promise.resolve(creditEntropy(seed)),
};
