import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { HypervisorBackend, ZoneSpecSchema } from "../../proto/mod.ts";
import { normalizeZoneSpec, validateName } from "./mod.ts";

const defaults = { memoryMib: 512, cpus: 1 };

Deno.test("defaults fill resources and backend", () => {
  const spec = normalizeZoneSpec(create(ZoneSpecSchema, { name: "web-1" }), defaults);
  assert.equal(spec.resources?.targetMemoryMib, 512n);
  assert.equal(spec.resources?.maxMemoryMib, 512n);
  assert.equal(spec.resources?.targetCpus, 1);
  assert.equal(spec.backend, HypervisorBackend.AUTO);
});

Deno.test("the input spec is not modified", () => {
  const input = create(ZoneSpecSchema, { name: "a" });
  normalizeZoneSpec(input, defaults);
  assert.equal(input.resources, undefined);
});

Deno.test("names must be DNS labels", () => {
  for (const bad of ["", "A", "-a", "a-", "a_b", "x".repeat(64), "a.b"]) {
    assert.throws(() => validateName(bad, "spec.name"), /invalid spec\.name/, bad);
  }
  for (const good of ["a", "a-b", "0", "x".repeat(63)]) validateName(good, "spec.name");
});

Deno.test("bad resources name the field", () => {
  const spec = (resources: Record<string, unknown>) =>
    create(ZoneSpecSchema, { name: "a", resources });
  assert.throws(
    () => normalizeZoneSpec(spec({ targetMemoryMib: 8n }), defaults),
    /invalid spec\.resources\.min_memory_mib: must be from 64/,
  );
  assert.throws(
    () => normalizeZoneSpec(spec({ targetMemoryMib: 256n, maxMemoryMib: 128n }), defaults),
    /min <= target <= max/,
  );
  assert.throws(
    () => normalizeZoneSpec(spec({ targetCpus: 1000 }), defaults),
    /invalid spec\.resources\.target_cpus/,
  );
});

Deno.test("kernel options and annotations are bounded", () => {
  assert.throws(
    () =>
      normalizeZoneSpec(create(ZoneSpecSchema, { name: "a", kernelOptions: ["a b"] }), defaults),
    /invalid spec\.kernel_options\[0\]/,
  );
  const many = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, "v"]));
  assert.throws(
    () => normalizeZoneSpec(create(ZoneSpecSchema, { name: "a", annotations: many }), defaults),
    /invalid spec\.annotations: at most 64/,
  );
});
