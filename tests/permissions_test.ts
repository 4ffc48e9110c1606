import assert from "node:assert/strict";
import { join } from "node:path";
import { denoRunArgs, REPO, tempRoot } from "./helpers/processes.ts";

const decoder = new TextDecoder();

Deno.test("the daemon is refused paths outside its grant (NotCapable)", async () => {
  const granted = tempRoot();
  const elsewhere = tempRoot();
  // Granted for one root, asked to use another: Deno must stop it, and it must say why.
  const out = await new Deno.Command(Deno.execPath(), {
    args: [...denoRunArgs("daemon", "daemon/main.ts", granted), "--root", elsewhere],
    stdin: "null",
  }).output();
  assert.equal(out.code, 1);
  const stderr = decoder.decode(out.stderr);
  assert.match(stderr, /protect-daemon: Requires write access to ".*\/run\/protect"/);
  assert.equal([...Deno.readDirSync(elsewhere)].length, 0, "nothing was created");
});

Deno.test("the daemon's grant has no env, run, ffi, TCP or foreign file access", async () => {
  const root = tempRoot();
  const probe = join(REPO, "tests/helpers/permission_probe.ts");
  const args = denoRunArgs("daemon", "daemon/main.ts", root);
  args[args.length - 1] = probe;
  args.push(join(root, "var/lib/protect"));
  const out = await new Deno.Command(Deno.execPath(), { args, stdin: "null" }).output();
  assert.equal(out.code, 0, decoder.decode(out.stderr));
  const states = JSON.parse(decoder.decode(out.stdout));
  assert.deepEqual(states, {
    "read /etc/passwd": "NotCapable",
    "write /tmp": "NotCapable",
    "write own state dir": "allowed",
    "env": "NotCapable",
    "run": "NotCapable",
    "ffi": "NotCapable",
    "net tcp": "NotCapable",
  });
});
