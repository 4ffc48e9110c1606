import assert from "node:assert/strict";
import { blockDevices, pciDevices, type SysfsRoots } from "./host_devices.ts";

/** A fake /sys with the files the scan reads. */
function fakeSys(): string {
  const sys = Deno.makeTempDirSync();
  const file = (path: string, text: string) => {
    Deno.mkdirSync(`${sys}/${path.split("/").slice(0, -1).join("/")}`, { recursive: true });
    Deno.writeTextFileSync(`${sys}/${path}`, text);
  };
  const pci = (address: string, cls: string, driver?: string) => {
    file(`bus/pci/devices/${address}/class`, `0x${cls}\n`);
    file(`bus/pci/devices/${address}/vendor`, "0x1af4\n");
    file(`bus/pci/devices/${address}/device`, "0x1005\n");
    if (driver) {
      Deno.symlinkSync(
        `../../../bus/pci/drivers/${driver}`,
        `${sys}/bus/pci/devices/${address}/driver`,
      );
    }
  };
  pci("0000:00:00.0", "060000"); // host bridge: never listed
  pci("0000:00:03.0", "020000", "e1000");
  pci("0000:00:04.0", "00ff00"); // no driver
  pci("0000:00:05.0", "00ff00", "pciback");
  const block = (name: string, dev: string, sectors: number, parts: string[] = []) => {
    file(`class/block/${name}/dev`, `${dev}\n`);
    file(`class/block/${name}/size`, `${sectors}\n`);
    Deno.mkdirSync(`${sys}/class/block/${name}/holders`, { recursive: true });
    for (const p of parts) Deno.mkdirSync(`${sys}/class/block/${name}/${p}`);
  };
  block("vda", "254:0", 2 * 1024 * 1024 * 8); // 8 GiB, free
  block("sda", "8:0", 2 * 1024 * 100, ["sda1"]); // its partition is mounted
  block("sda1", "8:1", 2 * 1024 * 99);
  block("sdb", "8:16", 2048);
  block("sdc", "8:32", 2048);
  Deno.mkdirSync(`${sys}/class/block/sdc/holders/dm-0`);
  block("loop0", "7:0", 2048); // hidden
  block("sr0", "11:0", 0); // hidden
  return sys;
}

const roots = (sys: string): SysfsRoots => ({
  sys,
  mountinfo: () => "22 1 8:1 / /boot rw - ext4 /dev/sda1 rw\n",
  swaps: () => "Filename Type Size Used Priority\n/dev/sdb partition 1024 0 -2\n",
});

Deno.test("PCI functions: bridges hidden; pciback or no driver assignable; a host driver holds", () => {
  const devices = pciDevices(roots(fakeSys()));
  assert.deepEqual(devices.map((d) => [d.name, d.heldBy !== ""]), [
    ["0000:00:03.0", true],
    ["0000:00:04.0", false],
    ["0000:00:05.0", false],
  ]);
  assert.match(devices[0].heldBy, /host driver e1000/);
  assert.equal(devices[2].description, "1af4:1005 class 00ff00, driver pciback");
});

Deno.test("block devices: mounted partitions, swap and holders keep them on the host", () => {
  const devices = blockDevices(roots(fakeSys()));
  const byName = Object.fromEntries(devices.map((d) => [d.name, d]));
  assert.deepEqual(Object.keys(byName), [
    "/dev/sda",
    "/dev/sda1",
    "/dev/sdb",
    "/dev/sdc",
    "/dev/vda",
  ]);
  assert.equal(byName["/dev/vda"].heldBy, "");
  assert.equal(byName["/dev/vda"].description, "8.0 GiB");
  assert.equal(byName["/dev/sda1"].heldBy, "host: mounted at /boot");
  assert.equal(byName["/dev/sda"].heldBy, "host: mounted at /boot (partition sda1)");
  assert.equal(byName["/dev/sdb"].heldBy, "host: swap");
  assert.equal(byName["/dev/sdc"].heldBy, "host: held by dm-0");
});
