import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import {
  HypervisorBackend,
  PortProtocol,
  ResourcePolicy,
  ZoneSpecSchema,
} from "../../proto/mod.ts";
import { normalizeZoneSpec, validateName } from "./mod.ts";
import { InvalidArgumentError, NotFoundError, UnimplementedError } from "../../lib/errors/mod.ts";

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

Deno.test("resource policy: STATIC by default; DYNAMIC needs a range; unknown refused", () => {
  const spec = (resources: Record<string, unknown>) =>
    create(ZoneSpecSchema, { name: "a", resources });
  assert.equal(
    normalizeZoneSpec(spec({ targetMemoryMib: 256n }), defaults).resources?.policy,
    ResourcePolicy.STATIC,
  );
  const dynamic = normalizeZoneSpec(
    spec({ policy: ResourcePolicy.DYNAMIC, targetMemoryMib: 256n, maxMemoryMib: 1024n }),
    defaults,
  );
  assert.equal(dynamic.resources?.policy, ResourcePolicy.DYNAMIC);
  assert.equal(dynamic.resources?.minMemoryMib, 256n, "the floor is the start");
  assert.throws(
    () =>
      normalizeZoneSpec(spec({ policy: ResourcePolicy.DYNAMIC, targetMemoryMib: 256n }), defaults),
    /spec\.resources\.policy: DYNAMIC needs room to move/,
  );
  assert.throws(
    () => normalizeZoneSpec(spec({ policy: 9 }), defaults),
    /spec\.resources\.policy: unknown policy 9/,
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

Deno.test("published ports: in range, TCP by default, each host port once", () => {
  const spec = (network: Record<string, unknown>) =>
    normalizeZoneSpec(create(ZoneSpecSchema, { name: "a", network }), defaults);
  const ok = spec({ publish: [{ hostPort: 8080, zonePort: 80 }] });
  assert.equal(ok.network?.publish[0].protocol, PortProtocol.TCP);
  assert.throws(
    () => spec({ publish: [{ hostPort: 0, zonePort: 80 }] }),
    /invalid spec\.network\.publish\[0\]\.host_port: must be a port from 1 to 65535/,
  );
  assert.throws(
    () => spec({ publish: [{ hostPort: 80, zonePort: 70000 }] }),
    /publish\[0\]\.zone_port/,
  );
  assert.throws(
    () =>
      spec({
        publish: [{ hostPort: 80, zonePort: 1 }, {
          hostPort: 80,
          zonePort: 2,
          protocol: PortProtocol.TCP,
        }],
      }),
    /publish\[1\]: host port 80\/tcp is published twice/,
  );
  assert.equal(
    spec({
      publish: [{ hostPort: 53, zonePort: 53 }, {
        hostPort: 53,
        zonePort: 53,
        protocol: PortProtocol.UDP,
      }],
    }).network?.publish.length,
    2,
  );
  assert.throws(
    () => spec({ disabled: true, isolated: true }),
    /a zone without a network cannot publish ports or be isolated/,
  );
});

Deno.test("fields not built yet are refused with the reason, not dropped", () => {
  const refused = (spec: Record<string, unknown>, field: RegExp) =>
    assert.throws(
      () => normalizeZoneSpec(create(ZoneSpecSchema, { name: "a", ...spec }), defaults),
      (e) => e instanceof UnimplementedError && field.test(e.message) && /volume/.test(e.message),
    );
  refused({ scratchDisk: { sizeMib: 64n } }, /^spec.scratch_disk: /);
  normalizeZoneSpec(create(ZoneSpecSchema, { name: "a", scratchDisk: { sizeMib: 0n } }), defaults);
});

Deno.test("hostname and resolv.conf entries are checked, naming the field", () => {
  const normalize = (spec: Record<string, unknown>) =>
    normalizeZoneSpec(create(ZoneSpecSchema, { name: "a", ...spec }), defaults);
  normalize({
    hostname: "web-0",
    network: {
      dns: {
        servers: ["10.96.0.10"],
        searches: ["default.svc.cluster.local"],
        options: ["ndots:5"],
      },
    },
  });
  assert.throws(() => normalize({ hostname: "Web_0" }), /invalid spec\.hostname/);
  assert.throws(
    () =>
      normalize({ network: { dns: { servers: ["8.8.8.8", "1.1.1.1", "9.9.9.9", "8.8.4.4"] } } }),
    /spec\.network\.dns\.servers: at most 3/,
  );
  assert.throws(
    () => normalize({ network: { dns: { servers: ["dns.example"] } } }),
    /spec\.network\.dns\.servers\[0\]: "dns.example" is not an address/,
  );
  assert.throws(
    () => normalize({ network: { dns: { searches: ["x\nnameserver 6.6.6.6"] } } }),
    /spec\.network\.dns: searches\[0\]/,
  );
});

Deno.test("an error echoes at most a bounded part of the caller's value", () => {
  const huge = "X".repeat(10_000);
  assert.throws(
    () => validateName(huge, "spec.name"),
    (e) => e instanceof Error && e.message.length < 300 && /"X{64}… \(9936 more\)"/.test(e.message),
  );
  const error = new InvalidArgumentError(huge, huge);
  assert.ok(error.message.length < 1300, `${error.message.length} characters`);
});

Deno.test("every protect error message is bounded", () => {
  assert.ok(new NotFoundError(`zone ${"n".repeat(10_000)} not found`).message.length < 2100);
});
