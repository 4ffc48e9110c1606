import assert from "node:assert/strict";
import { join } from "node:path";
import { countOnline, setOnlineCpus } from "./cpu_online.ts";

/** A fake sysfs: cpu1..cpu3 present; `online` recomputed by the test after writes. */
function fakeSysfs(): string {
  const dir = Deno.makeTempDirSync();
  for (const cpu of [1, 2, 3]) {
    Deno.mkdirSync(join(dir, `cpu${cpu}`));
    Deno.writeTextFileSync(join(dir, `cpu${cpu}`, "online"), "0\n");
  }
  Deno.writeTextFileSync(join(dir, "online"), "0\n");
  return dir;
}

Deno.test("setOnlineCpus onlines the first N CPUs and offlines the rest", async () => {
  const dir = fakeSysfs();
  await setOnlineCpus(3, dir);
  const state = [1, 2, 3].map((c) => Deno.readTextFileSync(join(dir, `cpu${c}`, "online")).trim());
  assert.deepEqual(state, ["1", "1", "0"]);
  await setOnlineCpus(1, dir);
  const after = [1, 2, 3].map((c) => Deno.readTextFileSync(join(dir, `cpu${c}`, "online")).trim());
  assert.deepEqual(after, ["0", "0", "0"]);
  await assert.rejects(setOnlineCpus(0, dir), /out of range/);
});

Deno.test("countOnline reads sysfs CPU lists", () => {
  assert.equal(countOnline("0\n"), 1);
  assert.equal(countOnline("0-2,4\n"), 4);
  assert.equal(countOnline("0,2-3"), 3);
});

Deno.test("a CPU Xen already took away (its online file unreadable) counts as offline", async () => {
  const dir = fakeSysfs();
  Deno.removeSync(join(dir, "cpu2", "online"));
  Deno.mkdirSync(join(dir, "cpu2", "online")); // reading a directory fails, like ENODEV
  await setOnlineCpus(2, dir);
  assert.equal(Deno.readTextFileSync(join(dir, "cpu1", "online")).trim(), "1");
});
