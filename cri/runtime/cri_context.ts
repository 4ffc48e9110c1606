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
  // Woken by the daemon's events as the zone changes (a fixed poll cost a pod start 25 ms on
  // average); a slow poll covers the moment before the watch is live.
  const watching = new AbortController();
  const stop = () => watching.abort();
  signal?.addEventListener("abort", stop, { once: true });
  let wake = () => {};
  (async () => {
    for await (const e of ctx.daemon.watchEvents({}, { signal: watching.signal })) {
      if (e.event.case === "zoneChanged" && e.event.value.id === zoneId) wake();
    }
  })().catch(() => {});
  const deadline = Date.now() + ctx.bootTimeoutMs;
  try {
    while (true) {
      const changed = new Promise<void>((resolve) => wake = resolve);
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
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([changed, new Promise((r) => timer = setTimeout(r, 250))]);
      clearTimeout(timer);
    }
  } finally {
    watching.abort();
    signal?.removeEventListener("abort", stop);
  }
}
