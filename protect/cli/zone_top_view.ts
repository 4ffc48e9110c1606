import { timestampDate } from "@bufbuild/protobuf/wkt";
import { HypervisorBackend, type ReadHostMetricsResponse, ZoneState } from "../../proto/mod.ts";
import { type Column, renderTable } from "./output.ts";

export const TOP_SORTS = ["cpu", "mem", "name"] as const;
export type TopSort = typeof TOP_SORTS[number];

/** One zone's line in `zone top`; a figure the host cannot know is undefined. */
export interface TopRow {
  name: string;
  state: string;
  backend: string;
  vcpusOnline?: number;
  vcpusMax?: number;
  /** Of one CPU (100 = one vCPU busy), like top(1). */
  cpuPercent?: number;
  cpuSeconds?: number;
  memCurrentMib?: number;
  memTargetMib?: number;
  memMaxMib?: number;
  inZoneUsedMib?: number;
  inZoneTotalMib?: number;
}

const mib = (bytes: bigint | undefined) =>
  bytes === undefined ? undefined : Number(bytes / 1024n / 1024n);

/**
 * Rows from a sample, with CPU % from the hypervisor's CPU time since `before` (the same
 * zone on the same domain), else from the agent's own busy figure.
 */
export function topRows(now: ReadHostMetricsResponse, before?: ReadHostMetricsResponse): TopRow[] {
  const seconds = (r?: ReadHostMetricsResponse) =>
    r?.sampledAt ? timestampDate(r.sampledAt).getTime() / 1000 : undefined;
  const elapsed = (seconds(now) ?? 0) - (seconds(before) ?? 0);
  return now.zones.map((z) => {
    const earlier = before?.zones.find((b) => b.zoneId === z.zoneId && b.domainId === z.domainId);
    const g = z.guest;
    let cpuPercent = z.inZone?.cpuPercent;
    if (g && earlier?.guest && elapsed > 0) {
      cpuPercent = Math.max(0, (g.cpuSeconds - earlier.guest.cpuSeconds) / elapsed * 100);
    }
    return {
      name: z.name,
      state: ZoneState[z.state] ?? "UNSPECIFIED",
      // Unresolved (no hypervisor, or not booted yet): nothing to show.
      backend: z.backend === HypervisorBackend.PV || z.backend === HypervisorBackend.PVH
        ? HypervisorBackend[z.backend].toLowerCase()
        : "-",
      vcpusOnline: g?.onlineVcpus,
      vcpusMax: g?.maxVcpus,
      cpuPercent,
      cpuSeconds: g?.cpuSeconds,
      memCurrentMib: mib(g?.memoryCurrentBytes),
      memTargetMib: g?.memoryTargetBytes ? mib(g.memoryTargetBytes) : undefined,
      memMaxMib: mib(g?.memoryMaxBytes),
      inZoneUsedMib: mib(z.inZone?.memoryUsedBytes),
      inZoneTotalMib: mib(z.inZone?.memoryTotalBytes),
    };
  });
}

/** Busiest (or largest) first; name breaks ties, so the order is stable between refreshes. */
export function sortRows(rows: TopRow[], by: TopSort): TopRow[] {
  const key = (r: TopRow) =>
    by === "cpu" ? r.cpuPercent ?? -1 : r.memCurrentMib ?? r.inZoneUsedMib ?? -1;
  return [...rows].sort((a, b) =>
    by === "name" ? a.name.localeCompare(b.name) : key(b) - key(a) || a.name.localeCompare(b.name)
  );
}

const dash = (v: number | undefined, f: (v: number) => string = String) =>
  v === undefined ? "-" : f(v);

const COLUMNS: Column<TopRow>[] = [
  { header: "NAME", cell: (r) => r.name },
  { header: "STATE", cell: (r) => r.state },
  { header: "TYPE", cell: (r) => r.backend },
  {
    header: "VCPUS",
    cell: (r) => r.vcpusOnline === undefined ? "-" : `${r.vcpusOnline}/${dash(r.vcpusMax)}`,
  },
  { header: "CPU%", cell: (r) => dash(r.cpuPercent, (v) => v.toFixed(1)) },
  {
    header: "MEM MiB (CUR/TARGET/MAX)",
    cell: (r) =>
      r.memCurrentMib === undefined
        ? "-"
        : `${r.memCurrentMib}/${dash(r.memTargetMib)}/${dash(r.memMaxMib)}`,
  },
  {
    header: "IN-ZONE MiB (USED/TOTAL)",
    cell: (r) => r.inZoneTotalMib === undefined ? "-" : `${r.inZoneUsedMib}/${r.inZoneTotalMib}`,
  },
];

/** The whole screen: a host line, the key help, the table. */
export function topScreen(now: ReadHostMetricsResponse, rows: TopRow[], sort: TopSort): string {
  const h = now.host;
  const gib = (b: bigint | undefined) => ((Number(b ?? 0n) / 2 ** 30).toFixed(1));
  const host = h
    ? `${h.hypervisorVersion || h.driver}, ${h.cpus} CPUs, ${gib(h.freeMemoryBytes)} of ${
      gib(h.totalMemoryBytes)
    } GiB free`
    : "";
  // Warm pool zones wait to be claimed (zone list --pool); what they hold is the pool's cost.
  const pool = rows.filter((r) => r.state === "POOLED");
  const held = pool.map((r) => r.memCurrentMib).filter((m) => m !== undefined);
  // Without a hypervisor's figures (process driver) there is nothing honest to add up.
  const poolMib = held.length > 0 ? ` (${held.reduce((a, b) => a + b, 0)} MiB)` : "";
  const poolNote = pool.length > 0 ? `; warm pool: ${pool.length}${poolMib}` : "";
  return [
    `protect zone top: ${rows.length} zone${rows.length === 1 ? "" : "s"} on ${host}${poolNote}`,
    `sorted by ${sort} (c: cpu, m: memory, n: name, q: quit)`,
    "",
    renderTable(sortRows(rows, sort), COLUMNS),
  ].join("\n");
}
