import assert from "node:assert/strict";
import { permissionFlags } from "./mod.ts";

Deno.test("protect's paths move under the root, system paths stay; denied kinds add no flag", () => {
  const flags = permissionFlags({
    read: ["/run/protect", "rel", "/proc"],
    write: ["/var/lib/protect"],
    sys: ["hostname"],
    net: ["unix:/run/protect/daemon.sock"],
    run: false,
    env: true,
  }, "/tmp/t");
  assert.deepEqual(flags, [
    "--no-prompt",
    "--allow-read=/tmp/t/run/protect,rel,/proc",
    "--allow-write=/tmp/t/var/lib/protect",
    "--allow-sys=hostname",
    "--allow-net=unix:/tmp/t/run/protect/daemon.sock",
    "--allow-env",
  ]);
});

Deno.test("at the default root paths are unchanged", () => {
  assert.deepEqual(permissionFlags({ read: ["/etc/protect"] }), [
    "--no-prompt",
    "--allow-read=/etc/protect",
  ]);
});
