import assert from "node:assert/strict";
import { createLogger } from "../../../lib/log/mod.ts";
import { LoopReclaimer } from "./loop_reclaimer.ts";
import type { LoopDevice } from "./loop_devices.ts";

/** A reclaimer over a fake kernel: `bound` loops, `used` backends' devices. */
function setup(bound: LoopDevice[], used: string[] = []) {
  const detached: string[] = [];
  const lines: string[] = [];
  const reclaimer = new LoopReclaimer({
    list: () => bound.filter((l) => !detached.includes(l.device)),
    inUse: () => new Set(used),
    detach: (device) => {
      if (device === "/dev/loop9") return Promise.reject(new Error("ioctl failed"));
      detached.push(device);
      return Promise.resolve();
    },
    owns: (file) => file.startsWith("/var/lib/protect/"),
    log: createLogger("test", { sink: (l) => lines.push(l) }),
  });
  return { reclaimer, detached, lines };
}

const ADDONS = "/var/lib/protect/xen/addons.sqfs";

Deno.test("reclaim detaches protect's loops no backend names, and only those", async () => {
  const { reclaimer, detached, lines } = setup([
    { device: "/dev/loop0", file: ADDONS }, // a running zone's
    { device: "/dev/loop1", file: ADDONS }, // left by a killed remove script
    { device: "/dev/loop2", file: "/srv/someone-elses.img" },
  ], ["/dev/loop0"]);
  await reclaimer.reclaim();
  assert.deepEqual(detached, ["/dev/loop1"]);
  assert.match(lines.join("\n"), /WARN .*released a loop device .*device=\/dev\/loop1/);
});

Deno.test("reclaim waits while a libxl call that binds loops is in flight", async () => {
  const { reclaimer, detached } = setup([{ device: "/dev/loop1", file: ADDONS }]);
  const { promise: addDone, resolve: finishAdd } = Promise.withResolvers<void>();
  const creating = reclaimer.building(() => addDone);
  await reclaimer.reclaim();
  assert.deepEqual(detached, [], "swept while an add script could be binding");
  finishAdd();
  await creating;
  await new Promise((r) => setTimeout(r, 0));
  assert.deepEqual(detached, ["/dev/loop1"], "the put-off sweep ran after the call");
});

Deno.test("a create starting mid-sweep stops it before the next detach", async () => {
  const detached: string[] = [];
  let finishDetach!: () => void;
  const reclaimer = new LoopReclaimer({
    list: () =>
      ["/dev/loop1", "/dev/loop2"].filter((d) => !detached.includes(d))
        .map((device) => ({ device, file: ADDONS })),
    inUse: () => new Set(),
    detach: (d) =>
      new Promise((resolve) => {
        finishDetach = () => resolve(void detached.push(d));
      }),
    owns: () => true,
    log: createLogger("test", { sink: () => {} }),
  });
  const sweep = reclaimer.reclaim();
  await new Promise((r) => setTimeout(r, 0)); // detaching loop1
  const { promise, resolve } = Promise.withResolvers<void>();
  const creating = reclaimer.building(() => promise);
  finishDetach();
  await sweep;
  assert.deepEqual(detached, ["/dev/loop1"], "loop2 was detached while an add could be binding");
  resolve();
  await creating;
  await new Promise((r) => setTimeout(r, 0));
  finishDetach();
  await new Promise((r) => setTimeout(r, 0));
  assert.deepEqual(
    detached,
    ["/dev/loop1", "/dev/loop2"],
    "the put-off sweep ran after the create",
  );
});

Deno.test("a failed detach is logged and does not stop the others", async () => {
  const { reclaimer, detached, lines } = setup([
    { device: "/dev/loop9", file: ADDONS },
    { device: "/dev/loop10", file: ADDONS },
  ]);
  await reclaimer.reclaim();
  assert.deepEqual(detached, ["/dev/loop10"]);
  assert.match(
    lines.join("\n"),
    /ERROR .*releasing an unused loop device failed device=\/dev\/loop9/,
  );
});
