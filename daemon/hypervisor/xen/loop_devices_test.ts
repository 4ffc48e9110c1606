import assert from "node:assert/strict";
import { detachLoopDevice, listLoopDevices } from "./loop_devices.ts";
import { skipIf } from "../../../tests/helpers/skip.ts";

Deno.test("listLoopDevices reads bound loops from sysfs, up to the first missing number", () => {
  const sys = Deno.makeTempDirSync();
  try {
    const loop = (name: string, file?: string) => {
      Deno.mkdirSync(`${sys}/${name}/loop`, { recursive: true });
      if (file) Deno.writeTextFileSync(`${sys}/${name}/loop/backing_file`, `${file}\n`);
    };
    loop("loop0"); // unbound: no backing_file
    loop("loop1", "/var/lib/protect/images/packs/a.squashfs");
    loop("loop2", "/var/lib/protect/xen/addons.sqfs");
    loop("loop4", "/beyond/the/gap"); // the kernel numbers from 0 as it needs devices
    Deno.mkdirSync(`${sys}/sda`);
    assert.deepEqual(listLoopDevices(sys), [
      { device: "/dev/loop1", file: "/var/lib/protect/images/packs/a.squashfs" },
      { device: "/dev/loop2", file: "/var/lib/protect/xen/addons.sqfs" },
    ]);
  } finally {
    Deno.removeSync(sys, { recursive: true });
  }
});

Deno.test("detachLoopDevice refuses anything but /dev/loopN", async () => {
  await assert.rejects(() => detachLoopDevice("/dev/sda"), /not a loop device: \/dev\/sda/);
  await assert.rejects(() => detachLoopDevice("/dev/loop1/../sda"), /not a loop device/);
});

/** Binds a scratch file read-only with losetup(8) and returns the loop device. */
function bindScratchLoop(file: string): string {
  const r = new Deno.Command("losetup", { args: ["-r", "-f", "--show", file] }).outputSync();
  if (!r.success) throw new Error(`losetup: ${new TextDecoder().decode(r.stderr).trim()}`);
  return new TextDecoder().decode(r.stdout).trim();
}

Deno.test({
  ...skipIf(
    Deno.uid() !== 0 && "needs root for loop devices",
    "detachLoopDevice releases a real loop device",
  ),
  async fn() {
    const file = Deno.makeTempFileSync();
    Deno.truncateSync(file, 1 << 20);
    let device: string | undefined;
    try {
      device = bindScratchLoop(file);
      assert.ok(listLoopDevices().some((l) => l.device === device && l.file === file));
      await detachLoopDevice(device);
      assert.ok(!listLoopDevices().some((l) => l.device === device), `${device} still bound`);
      await detachLoopDevice(device); // already free: nothing to do, no error
    } finally {
      if (device && listLoopDevices().some((l) => l.device === device)) {
        new Deno.Command("losetup", { args: ["-d", device] }).outputSync();
      }
      Deno.removeSync(file);
    }
  },
});
