import type { ControlClient } from "./client.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Accepts a zone name or ID; names are resolved by the daemon. */
export async function resolveZoneId(client: ControlClient, ref: string): Promise<string> {
  if (UUID.test(ref)) return ref;
  return (await client.resolveZoneId({ name: ref })).zoneId;
}

/** Accepts a workload name or ID; names must be unique across zones (or use the ID). */
export async function resolveWorkloadId(client: ControlClient, ref: string): Promise<string> {
  if (UUID.test(ref)) return ref;
  const { workloads } = await client.listWorkloads({});
  const matches = workloads.filter((w) => w.spec?.name === ref);
  if (matches.length === 1) return matches[0].id;
  if (matches.length > 1) {
    throw new Error(`workload name "${ref}" is used in several zones; use its ID`);
  }
  throw new Error(`no workload named "${ref}"`);
}
