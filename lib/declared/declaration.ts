import { create, toJson } from "@bufbuild/protobuf";
import { parse, TomlError } from "smol-toml";
import {
  type WorkloadSpec,
  WorkloadSpecSchema,
  type ZoneSpec,
  ZoneSpecSchema,
} from "../../proto/mod.ts";
import { InvalidArgumentError } from "../errors/mod.ts";
// fields.ts, not mod.ts: the CLI bundles this, and mod.ts brings the config file code (node:path).
import { onlyKeys, stringList, table } from "../config/fields.ts";
import { field, ZONE_SHAPE_KEYS, zoneShape } from "./zone_shape.ts";

/**
 * FNV-1a, 64 bits, as hex: tells declarations apart (not a security boundary: whoever writes
 * zones.d is root). Sync and free of node: imports, which the CLI's bundle keeps out.
 */
export function fnv1a64(text: string): string {
  let h = 0xcbf29ce484222325n;
  for (const byte of new TextEncoder().encode(text)) {
    h ^= BigInt(byte);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h.toString(16).padStart(16, "0");
}

/** What a declared workload does when it ends. */
export type RestartPolicy = "on-failure" | "always" | "never";

export interface DeclaredWorkload {
  spec: WorkloadSpec;
  restart: RestartPolicy;
}

/** One zones.d file: a zone and the workloads it keeps running. */
export interface Declaration {
  /** Where it came from (absolute path), recorded on the zone. */
  source: string;
  zone: ZoneSpec;
  workloads: DeclaredWorkload[];
  /** Of the normalised declaration: a change of any field changes it. */
  hash: string;
}

/** Zone annotations that tie a zone to its declaration. */
export const DECLARED_FROM = "protect.dev/declared-from";
export const DECLARED_HASH = "protect.dev/declared-hash";

const ZONE_KEYS = ["name", ...ZONE_SHAPE_KEYS] as const;
const WORKLOAD_KEYS = ["name", "image", "command", "env", "restart"] as const;
const RESTARTS: readonly RestartPolicy[] = ["on-failure", "always", "never"];
const NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * Parses a zones.d declaration (TOML). Any unknown key, or a bad value, is refused with the
 * file and the key named; nothing is applied from a file that does not parse whole.
 */
export function parseDeclaration(text: string, source: string): Declaration {
  let doc: Record<string, unknown>;
  try {
    doc = parse(text) as Record<string, unknown>;
  } catch (e) {
    const line = e instanceof TomlError ? ` (line ${e.line})` : "";
    throw new InvalidArgumentError(
      source,
      `is not valid TOML${line}: ${(e as Error).message.split("\n")[0]}`,
    );
  }
  const where = `${source}: `;
  onlyKeys(doc, ["zone", "workloads"], where);
  const z = table(doc, "zone", where);
  onlyKeys(z, ZONE_KEYS, `${where}zone.`);
  const name = field(z, "name", `${where}zone.`, "string", "");
  if (!NAME.test(name)) {
    throw new InvalidArgumentError(`${where}zone.name`, "is required: a DNS label (a-z, 0-9, -)");
  }
  const zone = create(ZoneSpecSchema, { name, ...zoneShape(z, `${where}zone.`) });
  const list = doc.workloads ?? [];
  if (!Array.isArray(list)) {
    throw new InvalidArgumentError(`${where}workloads`, "must be [[workloads]] tables");
  }
  const names = new Set<string>();
  const workloads = list.map((w, i) => {
    const at = `${where}workloads[${i}].`;
    if (typeof w !== "object" || w === null || Array.isArray(w)) {
      throw new InvalidArgumentError(`${where}workloads[${i}]`, "must be a table");
    }
    const t = w as Record<string, unknown>;
    onlyKeys(t, WORKLOAD_KEYS, at);
    const wName = field(t, "name", at, "string", "");
    if (!NAME.test(wName)) throw new InvalidArgumentError(`${at}name`, "is required: a DNS label");
    if (names.has(wName)) {
      throw new InvalidArgumentError(`${at}name`, `"${wName}" is declared twice`);
    }
    names.add(wName);
    const image = field(t, "image", at, "string", "");
    if (!image) throw new InvalidArgumentError(`${at}image`, "is required");
    const restart = field(t, "restart", at, "string", "on-failure") as RestartPolicy;
    if (!RESTARTS.includes(restart)) {
      throw new InvalidArgumentError(`${at}restart`, `must be one of ${RESTARTS.join(", ")}`);
    }
    const env = table(t, "env", at);
    for (const [k, v] of Object.entries(env)) {
      if (typeof v !== "string") {
        throw new InvalidArgumentError(`${at}env.${k}`, "must be a string");
      }
    }
    return {
      restart,
      spec: create(WorkloadSpecSchema, {
        zone: name,
        name: wName,
        image,
        process: {
          args: stringList(t, "command", at),
          env: Object.entries(env).map(([k, v]) => `${k}=${v}`).sort(),
        },
      }),
    };
  });
  // The hash covers what was declared, as parsed: not the file's spacing, comments or key order.
  const canonical = JSON.stringify([
    toJson(ZoneSpecSchema, zone),
    workloads.map((w) => [toJson(WorkloadSpecSchema, w.spec), w.restart]),
  ]);
  const hash = fnv1a64(canonical);
  zone.annotations[DECLARED_FROM] = source;
  zone.annotations[DECLARED_HASH] = hash;
  for (const w of workloads) w.spec.annotations[DECLARED_FROM] = source;
  return { source, zone, workloads, hash };
}
