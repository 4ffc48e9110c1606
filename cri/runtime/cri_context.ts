import type { Client } from "@connectrpc/connect";
import type { Timestamp } from "@bufbuild/protobuf/wkt";
import { type ControlService, type Zone, ZoneState } from "../../proto/mod.ts";
import { DeadlineExceededError, FailedPreconditionError } from "../../lib/errors/mod.ts";
import type { Logger } from "../../lib/log/mod.ts";
import type { ContainerLogs } from "../logs/container_logs.ts";
import type { CriStore } from "../state/cri_store.ts";
import type { ProfileReader } from "./container_spec.ts";

/** What the CRI handlers reach; built once by protect-cri. */
export interface CriContext {
  daemon: Client<typeof ControlService>;
  store: CriStore;
  logs: ContainerLogs;
  log: Logger;
  /** How long RunPodSandbox waits for the zone to be READY. */
  bootTimeoutMs: number;
  /** kubelet's pod directories (<root_dir>/pods), shared with the pods' zones. */
  kubeletPodsDir: string;
  readProfile?: ProfileReader;
}

/** Nanoseconds since the epoch, as the CRI counts time. */
export const nowNs = (): bigint => BigInt(Date.now()) * 1_000_000n;

export function timestampNs(t?: Timestamp): bigint {
  return t ? t.seconds * 1_000_000_000n + BigInt(t.nanos) : 0n;
}

/** Waits until the zone is READY; a FAILED or vanished zone is an error with the reason. */
export async function waitForZoneReady(
  ctx: CriContext,
  zoneId: string,
  signal?: AbortSignal,
): Promise<Zone> {
  const deadline = Date.now() + ctx.bootTimeoutMs;
  while (true) {
    const { zone } = await ctx.daemon.getZone({ zoneId }, { signal });
    const state = zone?.status?.state;
    if (state === ZoneState.READY) return zone!;
    if (state === ZoneState.FAILED || state === ZoneState.EXITED || state === undefined) {
      throw new FailedPreconditionError(
        `the pod's zone ${zoneId} did not start: ${zone?.status?.error || "it is gone"}`,
      );
    }
    if (Date.now() > deadline) {
      throw new DeadlineExceededError(
        `the pod's zone ${zoneId} was not READY within ${ctx.bootTimeoutMs} ms`,
      );
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
