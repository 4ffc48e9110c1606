// deno-lint-ignore-file no-explicit-any -- the OCI config is a plain JSON document
import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { WorkloadStartSchema } from "../../proto/gen/protect/idm/v1/idm_pb.ts";
import { DEFAULT_CAPABILITIES, ociConfig } from "./oci_config.ts";

const spec = (init: Parameters<typeof create<typeof WorkloadStartSchema>>[1]) =>
  create(WorkloadStartSchema, init);

Deno.test("default workload: own namespaces, default caps, masked paths, no new privileges", () => {
  const c = ociConfig(spec({ args: ["sh"], user: "1000:100" }), "/r", "z") as any;
  assert.deepEqual(c.process.args, ["sh"]);
  assert.deepEqual(c.process.user, { uid: 1000, gid: 100 });
  assert.deepEqual(c.process.capabilities.bounding, DEFAULT_CAPABILITIES);
  assert.equal(c.process.noNewPrivileges, true);
  assert.deepEqual(c.linux.namespaces.map((n: { type: string }) => n.type), [
    "pid",
    "ipc",
    "uts",
    "mount",
  ]);
  assert.ok(c.linux.maskedPaths.includes("/proc/kcore"));
  assert.equal(c.root.path, "/r");
});

Deno.test("capabilities, limits, read-only root and privileged", () => {
  const c = ociConfig(
    spec({
      args: ["x"],
      addCapabilities: ["net_admin"],
      dropCapabilities: ["CAP_KILL"],
      readOnlyRootFilesystem: true,
      memoryLimitBytes: 1024n,
      pidsLimit: 10,
    }),
    "/r",
    "z",
  ) as any;
  assert.ok(c.process.capabilities.bounding.includes("CAP_NET_ADMIN"));
  assert.ok(!c.process.capabilities.bounding.includes("CAP_KILL"));
  assert.equal(c.root.readonly, true);
  assert.deepEqual(c.linux.resources, { memory: { limit: 1024 }, pids: { limit: 10 } });
  const p = ociConfig(spec({ args: ["x"], privileged: true }), "/r", "z") as any;
  assert.ok(p.process.capabilities.bounding.includes("CAP_SYS_ADMIN"));
  assert.deepEqual(p.linux.maskedPaths, []);
});

Deno.test("bad input is refused", () => {
  assert.throws(() => ociConfig(spec({ args: [] }), "/r", "z"), /no command/);
  assert.throws(() => ociConfig(spec({ args: ["x"], user: "root" }), "/r", "z"), /numeric/);
  assert.throws(
    () => ociConfig(spec({ args: ["x"], addCapabilities: ["bogus"] }), "/r", "z"),
    /unknown capability/,
  );
});
