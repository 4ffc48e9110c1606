import assert from "node:assert/strict";
import { HypervisorBackend, ResourcePolicy } from "../../proto/mod.ts";
import { parsePoolShapes, POOL_SHAPE, POOL_SHAPE_HASH } from "./pool_shape.ts";

Deno.test("parsePoolShapes: a name alone is one zone of the daemon's defaults, with network", () => {
  const [shape] = parsePoolShapes([{ name: "default" }]);
  assert.equal(shape.size, 1);
  assert.equal(shape.spec.pool, true);
  assert.equal(shape.spec.backend, HypervisorBackend.UNSPECIFIED);
  assert.equal(shape.spec.resources?.targetMemoryMib, 0n);
  assert.equal(shape.spec.network?.disabled, false);
  assert.equal(shape.spec.annotations[POOL_SHAPE], "default");
  assert.equal(shape.spec.annotations[POOL_SHAPE_HASH], shape.hash);
});

Deno.test("parsePoolShapes: every setting reaches the spec; the hash follows the settings", () => {
  const table = {
    name: "big",
    size: 3,
    memory_mib: 512,
    min_memory_mib: 256,
    max_memory_mib: 1024,
    cpus: 2,
    min_cpus: 1,
    max_cpus: 4,
    policy: "dynamic",
    backend: "pvh",
    kernel: "/var/lib/protect/kernels/vmlinuz",
    initrd: "/var/lib/protect/kernels/initrd",
    kernel_options: ["quiet"],
    network: false,
  };
  const [shape] = parsePoolShapes([table]);
  assert.equal(shape.size, 3);
  assert.deepEqual(
    { ...shape.spec.resources, $typeName: undefined },
    {
      $typeName: undefined,
      targetMemoryMib: 512n,
      minMemoryMib: 256n,
      maxMemoryMib: 1024n,
      targetCpus: 2,
      minCpus: 1,
      maxCpus: 4,
      policy: ResourcePolicy.DYNAMIC,
    },
  );
  assert.equal(shape.spec.backend, HypervisorBackend.PVH);
  assert.equal(shape.spec.kernel, table.kernel);
  assert.deepEqual(shape.spec.kernelOptions, ["quiet"]);
  assert.equal(shape.spec.network?.disabled, true);
  assert.equal(parsePoolShapes([table])[0].hash, shape.hash, "stable");
  assert.equal(parsePoolShapes([{ ...table, size: 5 }])[0].hash, shape.hash, "size is not shape");
  assert.notEqual(parsePoolShapes([{ ...table, memory_mib: 640 }])[0].hash, shape.hash);
});

Deno.test("parsePoolShapes: a bad setting is named", () => {
  const bad = (value: unknown, pattern: RegExp) =>
    assert.throws(() => parsePoolShapes(value), pattern);
  bad({ name: "x" }, /pool: must be an array of tables/);
  bad([{ size: 1 }], /pool\[0\]\.name: must be a DNS label/);
  bad([{ name: "Web" }], /pool\[0\]\.name/);
  bad([{ name: "x".repeat(41) }], /at most 40 characters/);
  bad([{ name: "a" }, { name: "b", size: 65 }], /pool\[1\]\.size: must be an integer from 0 to 64/);
  bad([{ name: "a", backend: "hvm" }], /pool\[0\]\.backend: must be one of auto, pv, pvh/);
  bad([{ name: "a", memory_mib: 0 }], /pool\[0\]\.memory_mib: must be a positive whole number/);
  bad([{ name: "a", memroy_mib: 1 }], /pool\[0\]\.memroy_mib: is not a setting here/);
  bad([{ name: "a", network: "yes" }], /pool\[0\]\.network: must be true or false/);
  bad([{ name: "a" }, { name: "a" }], /two shapes are named "a"/);
  assert.deepEqual(parsePoolShapes(undefined), []);
});
