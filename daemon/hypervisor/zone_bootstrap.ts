import { create, toBinary } from "@bufbuild/protobuf";
import { BootstrapSchema } from "../../proto/gen/protect/idm/v1/idm_pb.ts";
import { DeadlineExceededError } from "../../lib/errors/mod.ts";
import type { IdmPeer } from "../../lib/idm/mod.ts";
import type { BootstrapNetwork } from "./driver.ts";

export interface BootstrapOptions extends AgentWait {
  zoneId: string;
  hostname: string;
  /** The zone's interfaces and DNS servers, from protect-network. */
  network?: BootstrapNetwork;
  sysctls?: Record<string, string>;
  /** How the agent mounts each share: a 9pfs tag (Xen) or the host directory (process). */
  shares?: { xenTag?: string; hostPath?: string }[];
}

/** A zone's agent, awaited within the boot timeout (or until the guest dies or `signal` aborts). */
export interface AgentWait {
  /** Resolves with the zone's channel once its agent has said hello. */
  peer: Promise<IdmPeer>;
  timeoutMs: number;
  signal: AbortSignal;
  /** Rejects if the guest dies first (a crash during boot), so we fail fast. */
  guestGone?: Promise<never>;
}

/**
 * Runs `steps` with every promise it awaits raced against the boot deadline, the abort
 * and the guest's death; `what` says what did not happen in time.
 */
async function withinBootDeadline<T>(
  wait: AgentWait,
  what: string,
  steps: (race: <U>(p: Promise<U>) => Promise<U>) => Promise<T>,
): Promise<T> {
  const { signal, timeoutMs } = wait;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new DeadlineExceededError(`zone agent did not ${what} within ${timeoutMs} ms`)),
      timeoutMs,
    );
    signal.addEventListener("abort", () => reject(signal.reason), { once: true });
  });
  limit.catch(() => {});
  const race = <U>(p: Promise<U>) =>
    Promise.race([p, limit, ...(wait.guestGone ? [wait.guestGone] : [])]);
  try {
    return await steps(race);
  } finally {
    clearTimeout(timer);
  }
}

/** Waits for a warm-pool zone's agent to connect: no bootstrap, no identity yet. */
export async function awaitAgentConnected(wait: AgentWait): Promise<void> {
  await withinBootDeadline(wait, "connect", (race) => race(wait.peer));
}

/**
 * The boot handshake every agent-running driver shares: wait for the agent's
 * channel, send it the bootstrap (hostname, network, randomness seed from the
 * host's CSPRNG), and wait for its ready event — all within the boot timeout.
 */
export async function bootstrapZone(options: BootstrapOptions): Promise<void> {
  await withinBootDeadline(options, "report ready", async (race) => {
    const peer = await race(options.peer);
    const ready = new Promise<void>((resolve) => peer.onEvent("ready", () => resolve()));
    const bootstrap = create(BootstrapSchema, {
      zoneId: options.zoneId,
      hostname: options.hostname,
      randomSeed: crypto.getRandomValues(new Uint8Array(32)),
      interfaces: options.network?.interfaces ?? [],
      dnsServers: options.network?.dnsServers ?? [],
      dnsSearches: options.network?.dnsSearches ?? [],
      dnsOptions: options.network?.dnsOptions ?? [],
      sysctls: options.sysctls ?? {},
      shares: options.shares ?? [],
    });
    // Bounded by the boot timeout, not IDM's default request timeout: several
    // zones booting at once under TCG took over 10 s to apply theirs.
    await race(peer.request("bootstrap", toBinary(BootstrapSchema, bootstrap), options.timeoutMs));
    await race(ready);
  });
}
