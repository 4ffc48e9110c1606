import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { type ZoneSpec, ZoneSpecSchema } from "../../proto/mod.ts";
import { InvalidArgumentError } from "../../lib/errors/mod.ts";
import { integer, onlyKeys } from "../../lib/config/mod.ts";
import { fnv1a64, ZONE_SHAPE_KEYS, zoneShape } from "../../lib/declared/mod.ts";

/** Which [[pool]] shape a pool zone was booted for, and that shape's settings (hash). */
export const POOL_SHAPE = "protect.dev/pool-shape";
export const POOL_SHAPE_HASH = "protect.dev/pool-shape-hash";

/**
 * One [[pool]] table of orchestrator.toml: how many zones of one shape to keep booted.
 * Settings left out are the daemon's zone_defaults, as for `zone launch` without the flag,
 * so a shape with only a name and a size matches a plain `zone launch`.
 */
export interface PoolShape {
  name: string;
  /** Zones kept booted; 0 turns the shape off (its zones are destroyed). */
  size: number;
  spec: ZoneSpec;
  /** Of the spec: a pool zone whose annotation differs was booted for older settings. */
  hash: string;
}

const KEYS = ["name", "size", "network", ...ZONE_SHAPE_KEYS] as const;

/** Leaves room in a zone name for "pool-" and "-" and 8 hex digits. */
const SHAPE_NAME = /^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$/;

/** Parses orchestrator.toml's [[pool]] array, naming the first bad setting. */
export function parsePoolShapes(value: unknown): PoolShape[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    throw new InvalidArgumentError("pool", "must be an array of tables ([[pool]])");
  }
  const shapes = value.map((t, i) => parsePoolShape(t, `pool[${i}].`));
  const names = new Set<string>();
  for (const shape of shapes) {
    if (names.has(shape.name)) {
      throw new InvalidArgumentError("pool", `two shapes are named "${shape.name}"`);
    }
    names.add(shape.name);
  }
  return shapes;
}

function parsePoolShape(t: unknown, where: string): PoolShape {
  if (typeof t !== "object" || t === null || Array.isArray(t)) {
    throw new InvalidArgumentError(where.slice(0, -1), "must be a table");
  }
  const table = t as Record<string, unknown>;
  onlyKeys(table, KEYS, where);
  const name = table.name;
  if (typeof name !== "string" || !SHAPE_NAME.test(name)) {
    throw new InvalidArgumentError(
      `${where}name`,
      "must be a DNS label of at most 40 characters (pool zones are named pool-NAME-XXXXXXXX)",
    );
  }
  const network = table.network ?? true;
  if (typeof network !== "boolean") {
    throw new InvalidArgumentError(`${where}network`, "must be true or false");
  }
  const init: MessageInitShape<typeof ZoneSpecSchema> = {
    ...zoneShape(table, where),
    name: "",
    pool: true,
    network: { disabled: !network },
  };
  const spec = create(ZoneSpecSchema, init);
  const hash = fnv1a64(JSON.stringify(init, (_, v) => typeof v === "bigint" ? String(v) : v));
  spec.annotations[POOL_SHAPE] = name;
  spec.annotations[POOL_SHAPE_HASH] = hash;
  return { name, size: integer(table, "size", where, 0, 64, 1), spec, hash };
}
