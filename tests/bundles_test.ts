/**
 * The zone agent's and the CLI's bundles import no node: module: one would start Deno's
 * Node layer at every zone boot (seconds under TCG) and every CLI call, and the lab's build
 * refuses them. Checked here so `task test` catches it before the lab does.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { REPO } from "./helpers/processes.ts";

/** As the builds make them: tools/bundle.sh (CLI), tests/xen/lab/build_zone_files.sh (agent). */
const BUNDLES = [
  { what: "zone agent", entry: "zone/main.ts", platform: "deno", nodeImport: /from ?"node:/ },
  { what: "CLI", entry: "protect/main.ts", platform: "browser", nodeImport: /"node:/ },
];

for (const { what, entry, platform, nodeImport } of BUNDLES) {
  Deno.test(`the ${what} bundles without node: imports`, async () => {
    const out = join(Deno.makeTempDirSync(), "bundle.js");
    const bundled = await new Deno.Command(Deno.execPath(), {
      args: ["bundle", "--quiet", "--platform", platform, "--minify", "-o", out, join(REPO, entry)],
      cwd: REPO,
      stderr: "piped",
    }).output();
    assert.ok(bundled.success, new TextDecoder().decode(bundled.stderr));
    const text = Deno.readTextFileSync(out);
    const at = text.search(nodeImport);
    assert.equal(at, -1, `a node: import in the ${what}: …${text.slice(at - 80, at + 40)}…`);
    Deno.removeSync(out);
  });
}
