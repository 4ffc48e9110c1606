/** Host devices given to Xen zones: the spare virtio disk (/dev/vda in dom0) live and at boot, and PCI passthrough of QEMU's edu device or Xen's refusal. (Imported in order by ../e2e_test.ts.) */
import assert from "node:assert/strict";
import { IMAGE, ok, OUT, protect, run, timed, until, zone } from "../e2e_helpers.ts";
import { opts } from "./e2e_options.ts";

interface DeviceView {
  name: string;
  kind: string;
  claimedByZoneId?: string;
  heldBy?: string;
  description: string;
}
const devices = async (): Promise<DeviceView[]> =>
  JSON.parse(await ok("device", "list", "-o", "json"));
const device = async (name: string) => (await devices()).find((d) => d.name === name);
const DISK = "/dev/vda";

Deno.test(
  "a block device: attached live, written by a workload, detached, read back on the host",
  opts,
  async () => {
    const mkfs = await run("mkfs.ext4", "-q", "-F", DISK);
    assert.equal(mkfs.code, 0, mkfs.stderr);
    const listed = await device(DISK);
    assert.ok(listed, `${DISK} in device list`);
    assert.equal(listed.kind, "block");
    assert.equal(listed.claimedByZoneId ?? "", "");
    await ok("zone", "launch", "-n", "d1", "--wait");
    await ok("zone", "launch", "-n", "d2", "--wait");
    try {
      const attached = await timed(
        "zone device attach (block, live)",
        () => ok("zone", "device", "attach", "d1", DISK),
      );
      assert.match(attached, /\/dev\/vda attached to zone d1 as \/dev\/xvd[b-z]/);
      assert.equal((await device(DISK))?.claimedByZoneId, (await zone("d1")).id);
      // A device belongs to one zone at a time.
      const twice = await protect("zone", "device", "attach", "d2", DISK);
      assert.equal(twice.code, 1);
      assert.match(twice.stderr, /is given to zone d1; a device belongs to one zone at a time/);
      const w = await protect(
        "workload",
        "launch",
        "--zone",
        "d1",
        "-v",
        `${DISK}:/data`,
        IMAGE,
        "--",
        "sh",
        "-c",
        "echo written in d1 > /data/proof; sync; cat /data/proof",
      );
      assert.equal(w.stdout, "written in d1\n", w.stderr);
      // Not while a live workload mounts it.
      await ok(
        "workload",
        "launch",
        "--zone",
        "d1",
        "-n",
        "dev-sleeper",
        "-d",
        "-v",
        `${DISK}:/data:ro`,
        IMAGE,
        "--",
        "busybox",
        "sleep",
        "600",
      );
      const busy = await protect("zone", "device", "detach", "d1", DISK);
      assert.equal(busy.code, 1);
      assert.match(busy.stderr, /mounted by workload dev-sleeper of zone d1; stop it first/);
      await ok("workload", "destroy", "dev-sleeper");
      await timed("zone device detach (block)", () => ok("zone", "device", "detach", "d1", DISK));
      assert.equal((await device(DISK))?.claimedByZoneId ?? "", "");
      // dom0 reads it without a kernel ext4 driver (the lab's dom0 has none): debugfs.
      const back = await run("debugfs", "-R", "cat /proof", DISK);
      assert.equal(back.stdout, "written in d1\n", back.stderr);
    } finally {
      await protect("zone", "destroy", "d1", "--wait");
      await protect("zone", "destroy", "d2", "--wait");
    }
  },
);

Deno.test(
  "a zone launched with --device has it before READY; its destroy releases it",
  opts,
  async () => {
    await ok("zone", "launch", "-n", "d3", "--device", DISK, "--wait");
    try {
      const z = await zone("d3");
      assert.equal((await device(DISK))?.claimedByZoneId, z.id);
      const r = await protect(
        "workload",
        "launch",
        "--zone",
        "d3",
        "-v",
        `${DISK}:/data:ro`,
        IMAGE,
        "--",
        "sh",
        "-c",
        "cat /data/proof", // the test image's busybox runs applets from its shell
      );
      assert.equal(r.stdout, "written in d1\n", r.stderr);
      const log = Deno.readTextFileSync(`${OUT}/daemon.log`);
      assert.match(log, /device given to the zone zone=d3 device=\/dev\/vda guest=\/dev\/xvd/);
    } finally {
      await ok("zone", "destroy", "d3", "--wait");
    }
    assert.equal((await device(DISK))?.claimedByZoneId ?? "", "");
    const held = await protect("zone", "launch", "-n", "d4", "--device", "/dev/nonexistent");
    assert.equal(held.code, 1);
    assert.match(held.stderr, /spec\.devices\[0\]: no device "\/dev\/nonexistent" on this host/);
  },
);

Deno.test(
  "PCI passthrough: a zone launched with QEMU's edu function sees it, and loses it on detach",
  opts,
  async () => {
    // QEMU's edu device (1234:11e8) has no dom0 driver: the lab's assignable function.
    const edu = (await devices()).find((d) =>
      d.kind === "pci" && d.description.startsWith("1234:11e8")
    );
    assert.ok(edu, "the edu device in device list");
    const caps = (await run("xl", "info")).stdout;
    if (!/virt_caps\s*:.*directio/.test(caps)) {
      // No IOMMU (the lab booted without PROTECT_LAB_IOMMU): refused at launch, with the reason.
      const r = await protect("zone", "launch", "-n", "p1", "--device", edu.name, "--wait");
      assert.equal(r.code, 1);
      assert.match(r.stderr, /Xen reports no IOMMU/);
      await protect("zone", "destroy", "p1", "--wait");
      return;
    }
    const pciInZone = async (zone: string) =>
      (await ok("zone", "exec", zone, "--", "ls", "/sys/bus/pci/devices")).split("\n").filter(
        Boolean,
      );
    await timed(
      "zone launch --device PCI --wait",
      () => ok("zone", "launch", "-n", "p1", "--device", edu.name, "--wait"),
    );
    await ok("zone", "launch", "-n", "p2", "--wait");
    try {
      assert.equal((await device(edu.name))?.claimedByZoneId, (await zone("p1")).id);
      assert.match((await device(edu.name))!.description, /driver pciback/);
      const seen = await until("the function in zone p1", 60, async () => {
        const pci = await pciInZone("p1");
        return pci.length > 0 ? pci : undefined;
      });
      Deno.writeTextFileSync(`${OUT}/pci-in-zone.txt`, seen.join("\n"));
      // A zone launched without a PCI function has no IOMMU context: refused, saying why.
      const other = await protect("zone", "device", "attach", "p2", edu.name);
      assert.equal(other.code, 1);
      assert.match(other.stderr, /is given to zone p1|launched without a PCI device/);
      await timed("zone device detach (PCI)", () => ok("zone", "device", "detach", "p1", edu.name));
      await until(
        "the function gone from zone p1",
        60,
        async () => (await pciInZone("p1")).length === 0 ? true : undefined,
      );
      assert.equal((await device(edu.name))?.claimedByZoneId ?? "", "");
      const late = await protect("zone", "device", "attach", "p2", edu.name);
      assert.equal(late.code, 1);
      assert.match(late.stderr, /zone p2 was launched without a PCI device/);
      // Live, to the zone that has the IOMMU context: given back.
      await timed(
        "zone device attach (PCI, live)",
        () => ok("zone", "device", "attach", "p1", edu.name),
      );
      await until(
        "the function back in zone p1",
        60,
        async () => (await pciInZone("p1")).length > 0 ? true : undefined,
      );
    } finally {
      await protect("zone", "destroy", "p1", "--wait");
      await protect("zone", "destroy", "p2", "--wait");
    }
    assert.equal((await device(edu.name))?.claimedByZoneId ?? "", "", "the destroy released it");
  },
);
