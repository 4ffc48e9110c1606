import { toJson } from "@bufbuild/protobuf";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { HypervisorBackend, type Zone, ZoneSchema, ZoneState } from "../../proto/mod.ts";
import type { Column } from "./output.ts";

/** "READY", not "ZONE_STATE_READY" or 3. */
export const zoneStateName = (s: ZoneState | undefined) => ZoneState[s ?? 0];

const age = (zone: Zone) => {
  const at = zone.status?.createdAt;
  if (!at) return "";
  const seconds = Math.max(0, Math.round((Date.now() - timestampDate(at).getTime()) / 1000));
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)}m`;
  return `${Math.round(seconds / 3600)}h`;
};

export const ZONE_COLUMNS: Column<Zone>[] = [
  { header: "NAME", cell: (z) => z.spec?.name ?? "" },
  { header: "ID", cell: (z) => z.id },
  { header: "STATE", cell: (z) => zoneStateName(z.status?.state) },
  { header: "DRIVER", cell: (z) => z.status?.driver ?? "" },
  {
    header: "BACKEND",
    cell: (z) => HypervisorBackend[z.status?.backend || z.spec?.backend || 0].toLowerCase(),
  },
  { header: "MEMORY", cell: (z) => `${z.spec?.resources?.targetMemoryMib ?? 0}Mi` },
  { header: "CPUS", cell: (z) => String(z.spec?.resources?.targetCpus ?? 0) },
  { header: "IPV4", cell: (z) => z.status?.ipv4 ?? "" },
  { header: "AGE", cell: age },
  { header: "ERROR", cell: (z) => z.status?.error ?? "" },
];

export const zoneJson = (z: Zone) => toJson(ZoneSchema, z);
