import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { HypervisorBackend, type ZoneSpec, ZoneSpecSchema, ZoneState } from "../../proto/mod.ts";
import { normalizeZoneSpec } from "../validation/mod.ts";
import type { ZoneRecord } from "../state/mod.ts";
import { findPoolZone, poolShapeMismatch } from "./zone_pool.ts";

const defaults = { memoryMib: 256, cpus: 1, backend: HypervisorBackend.AUTO };
const spec = (init: Parameters<typeof create<typeof ZoneSpecSchema>>[1] = {}): ZoneSpec =>
  normalizeZoneSpec(create(ZoneSpecSchema, { name: "z", ...init }), defaults);

Deno.test("poolShapeMismatch: identity may differ, what the guest is built with may not", () => {
  const pooled = spec({ name: "pool-a", pool: true });
  assert.equal(
    poolShapeMismatch(
      pooled,
      spec({
        name: "web",
        hostname: "www",
        sysctls: { "net.core.somaxconn": "1024" },
        annotations: { team: "a" },
        network: { publish: [{ hostPort: 8080, zonePort: 80 }], isolated: true },
      }),
    ),
    undefined,
  );
  const no = (wanted: ZoneSpec, reason: RegExp) =>
    assert.match(poolShapeMismatch(pooled, wanted) ?? "matched", reason);
  no(spec({ resources: { targetMemoryMib: 512n } }), /other resources/);
  no(spec({ resources: { maxCpus: 2 } }), /other resources/);
  no(spec({ backend: HypervisorBackend.PV }), /another backend/);
  no(spec({ kernel: "/k/vmlinuz" }), /another kernel/);
  no(spec({ kernelOptions: ["quiet"] }), /other kernel options/);
  no(spec({ network: { disabled: true } }), /network on or off/);
  no(spec({ devices: [{ name: "/dev/vdb" }] }), /names devices/);
  no(spec({ shares: [{ hostPath: "/srv" }] }), /has shares/);
});

Deno.test("findPoolZone: the oldest POOLED zone of the shape; an AUTO zone serves its booted type", () => {
  let at = 0;
  const record = (name: string, state: ZoneState, backend = HypervisorBackend.PV): ZoneRecord => ({
    id: name,
    name,
    spec: spec({ name, pool: true }),
    desired: "present",
    state,
    error: "",
    driver: "xen",
    domainId: 1,
    backend,
    exitCode: 0,
    createdAt: new Date(++at),
    ipv4: "",
    ipv6: "",
  });
  const zones = [
    record("booting", ZoneState.CREATED),
    record("newer", ZoneState.POOLED),
    record("failed", ZoneState.FAILED),
  ];
  zones.unshift(record("older", ZoneState.POOLED, HypervisorBackend.PVH));
  zones[0].createdAt = new Date(0);
  assert.equal(findPoolZone(zones, spec())?.name, "older");
  assert.equal(findPoolZone(zones, spec({ backend: HypervisorBackend.PV }))?.name, "newer");
  assert.equal(findPoolZone(zones, spec({ backend: HypervisorBackend.PVH }))?.name, "older");
  zones[0].desired = "absent";
  assert.equal(findPoolZone(zones, spec())?.name, "newer", "one being destroyed is not claimed");
  assert.equal(findPoolZone(zones, spec({ resources: { targetMemoryMib: 512n } })), undefined);
});
