import assert from "node:assert/strict";
import type { WorkloadMount } from "../../proto/mod.ts";
import { planHostMounts } from "./host_mounts.ts";

const bind = (source: string, destination: string, readOnly = false) =>
  ({ type: "bind", source, destination, readOnly }) as WorkloadMount;

Deno.test("host mounts: inside a share they are bound live, others are read-only copies", () => {
  const dir = Deno.makeTempDirSync();
  const share = `${dir}/pods/p1`;
  const copies = `${dir}/mounts`;
  Deno.mkdirSync(`${share}/volumes/scratch`, { recursive: true });
  Deno.mkdirSync(`${copies}/cfg`, { recursive: true });
  Deno.writeTextFileSync(`${copies}/cfg/a`, "x");
  Deno.writeTextFileSync(`${share}/term`, "");
  Deno.symlinkSync(`${share}/volumes`, `${dir}/link`);
  const plan = planHostMounts(
    [
      { type: "tmpfs", destination: "/t" } as WorkloadMount,
      bind(`${share}/volumes/scratch`, "/scratch"),
      bind(`${copies}/cfg`, "/cfg", true),
      bind(`${share}/term`, "/dev/termination-log"),
      bind(`${dir}/link/scratch`, "/again", true), // resolved through the link: in the share
      bind(share, "/pod", true),
    ],
    [share],
    copies,
  );
  assert.deepEqual(plan.shareBinds, [
    { share: 0, path: "volumes/scratch", destination: "/scratch", readOnly: false },
    { share: 0, path: "term", destination: "/dev/termination-log", readOnly: false },
    { share: 0, path: "volumes/scratch", destination: "/again", readOnly: true },
    { share: 0, path: "", destination: "/pod", readOnly: true },
  ]);
  assert.deepEqual(plan.binds, [{ mount: 0, destination: "/cfg" }]);
  assert.equal(plan.copies?.totalBytes, 1);
  assert.throws(
    () => planHostMounts([bind(`${copies}/cfg`, "/cfg")], [share], copies),
    /spec.mounts\[0\].read_only: must be true: .* not inside one of the zone's shares/,
  );
  assert.throws(
    () => planHostMounts([bind(`${dir}/elsewhere`, "/x", true)], [share], copies),
    /spec.mounts\[0\].source: .* is not inside/,
  );
  Deno.removeSync(dir, { recursive: true });
});
