import assert from "node:assert/strict";
import { zoneIdFromCmdline } from "./xen_channel.ts";

Deno.test("zoneIdFromCmdline reads protect.zone= and nothing that only looks like it", () => {
  const id = "0b5a3c3e-8a0e-4b53-9e63-7a0c8b3f3f10";
  assert.equal(zoneIdFromCmdline(`console=hvc0 quiet protect.zone=${id} loglevel=7\n`), id);
  assert.equal(zoneIdFromCmdline(`protect.zone=${id}`), id);
  assert.equal(zoneIdFromCmdline("console=hvc0 xprotect.zone=" + id), "");
  assert.equal(zoneIdFromCmdline("protect.zone=../../etc"), "");
  assert.equal(zoneIdFromCmdline(""), "");
});
