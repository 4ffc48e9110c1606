/**
 * The zone agent's bundle (what Xen zones boot) imports no node: module: one would start
 * Deno's Node layer at every zone boot (seconds under TCG), and the lab's build refuses it.
 * Checked here so `task test` catches it before the lab does.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { REPO } from "./helpers/processes.ts";

Deno.test("the zone agent bundles without node: imports", async () => {
  const out = join(Deno.makeTempDirSync(), "zone-agent.js");
  const bundled = await new Deno.Command(Deno.execPath(), {
    args: ["bundle", "--quiet", "--platform", "deno", "-o", out, join(REPO, "zone/main.ts")],
    cwd: REPO,
    stderr: "piped",
  }).output();
  assert.ok(bundled.success, new TextDecoder().decode(bundled.stderr));
  const imports = Deno.readTextFileSync(out).match(/from ?"node:[a-z_/]+"/g) ?? [];
  assert.deepEqual(imports, [], "static node: imports in the zone agent");
  Deno.removeSync(out);
});
