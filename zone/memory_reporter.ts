import { create, toBinary } from "@bufbuild/protobuf";
import {
  type ZoneMemoryReport,
  ZoneMemoryReportSchema,
} from "../proto/gen/protect/idm/v1/idm_pb.ts";
import type { IdmPeer } from "../lib/idm/mod.ts";
import type { Logger } from "../lib/log/mod.ts";
import { parseMeminfo } from "./runtime/metrics.ts";

type Figures = Omit<ZoneMemoryReport, "$typeName" | "$unknown">;

const MiB = 1024n * 1024n;

/** `some avg10=1.23 …` and `full avg10=…` of /proc/pressure/memory; 0 where absent. */
export function parsePressure(text: string): { some: number; full: number } {
  const avg10 = (kind: string) => {
    const m = new RegExp(`^${kind} avg10=([0-9.]+)`, "m").exec(text);
    return m ? Number(m[1]) : 0;
  };
  return { some: avg10("some"), full: avg10("full") };
}

/**
 * Whether `now` is worth a report after `last`: memory moved by 16 MiB or 5 % of the total
 * (whichever is more), pressure appeared, went or moved by a point, or 30 s passed.
 */
export function meaningfulChange(
  last: { figures: Figures; atMs: number } | undefined,
  now: Figures,
  nowMs: number,
): boolean {
  if (!last) return true;
  if (nowMs - last.atMs >= 30_000) return true;
  const step = now.memoryTotalBytes / 20n > 16n * MiB ? now.memoryTotalBytes / 20n : 16n * MiB;
  const moved = (a: bigint, b: bigint) => (a > b ? a - b : b - a) >= step;
  const l = last.figures;
  return moved(now.memoryAvailableBytes, l.memoryAvailableBytes) ||
    moved(now.memoryTotalBytes, l.memoryTotalBytes) ||
    (now.pressureSomeAvg10 > 0) !== (l.pressureSomeAvg10 > 0) ||
    Math.abs(now.pressureSomeAvg10 - l.pressureSomeAvg10) >= 1;
}

/**
 * Pushes the zone's memory to the host as "zone.memory" events: sampled once a second, sent
 * only on a meaningful change, so a host with many idle zones hears little.
 */
export class MemoryReporter {
  #last?: { figures: Figures; atMs: number };
  #peer?: IdmPeer;
  #timer?: ReturnType<typeof setInterval>;

  constructor(
    private readonly read: (path: string) => string,
    private readonly log: Logger,
    private readonly periodMs = 1_000,
  ) {}

  /** Samples every period and reports to whichever host connection `peer` gives then. */
  start(peer: () => IdmPeer | undefined): void {
    this.stop();
    const timer = setInterval(() => this.#tick(peer()), this.periodMs);
    Deno.unrefTimer(timer);
    this.#timer = timer;
  }

  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #sample(): Figures {
    const meminfo = this.read("/proc/meminfo");
    let pressure = { some: 0, full: 0 };
    try {
      pressure = parsePressure(this.read("/proc/pressure/memory"));
    } catch {
      // A kernel without PSI: memory figures alone.
    }
    return {
      memoryTotalBytes: parseMeminfo(meminfo, "MemTotal"),
      memoryAvailableBytes: parseMeminfo(meminfo, "MemAvailable"),
      pressureSomeAvg10: pressure.some,
      pressureFullAvg10: pressure.full,
    };
  }

  #tick(peer: IdmPeer | undefined): void {
    if (!peer) return;
    // A new host connection (a restarted daemon) hears the current figures at once.
    if (peer !== this.#peer) this.#last = undefined;
    this.#peer = peer;
    let figures: Figures;
    try {
      figures = this.#sample();
    } catch (error) {
      this.log.warn("cannot read the zone's memory", { error });
      return;
    }
    const now = Date.now();
    if (!meaningfulChange(this.#last, figures, now)) return;
    this.#last = { figures, atMs: now };
    peer.sendEvent(
      "zone.memory",
      toBinary(ZoneMemoryReportSchema, create(ZoneMemoryReportSchema, figures)),
    ).catch(() => {});
  }
}
