import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import {
  HypervisorBackend,
  WorkloadSpecSchema,
  WorkloadState,
  ZoneSpecSchema,
  ZoneState,
} from "../../proto/mod.ts";
import { createLogger } from "../../lib/log/mod.ts";
import { EventBus } from "../events/mod.ts";
import { FakeDriver, type HostDevice } from "../hypervisor/mod.ts";
import { EventLog, openDatabase, WorkloadStore, ZoneStore } from "../state/mod.ts";
import { ZoneLedger } from "../zones/mod.ts";
import { ZoneDevices } from "./zone_devices.ts";

/** The fake driver with a host that has devices, recording what it was asked to do. */
class DeviceDriver extends FakeDriver {
  calls: string[] = [];
  failNext = "";
  listDevices(): HostDevice[] {
    return [
      { name: "/dev/vda", kind: "block", description: "8 GiB", heldBy: "" },
      { name: "/dev/vdb", kind: "block", description: "1 GiB", heldBy: "host: mounted at /srv" },
      { name: "/dev/vdc", kind: "block", description: "1 GiB", heldBy: "" },
      { name: "0000:00:04.0", kind: "pci", description: "1234:11e8", heldBy: "" },
    ];
  }
  attachDevice(zoneId: string, device: HostDevice): Promise<string> {
    if (this.failNext) {
      const why = this.failNext;
      this.failNext = "";
      return Promise.reject(new Error(why));
    }
    this.calls.push(`attach ${device.name} ${zoneId}`);
    return Promise.resolve(device.kind === "block" ? "/dev/xvdb" : device.name);
  }
  deviceGuestPath(_zoneId: string, name: string): string {
    // As Xen's: only block devices have a node; a PCI name must never reach a disk lookup.
    if (!name.startsWith("/dev/")) throw new Error(`asked for the disk of ${name}`);
    return "/dev/xvdb";
  }
  detachDevice(zoneId: string, device: HostDevice): Promise<void> {
    this.calls.push(`detach ${device.name} ${zoneId}`);
    return Promise.resolve();
  }
}

function setup() {
  const db = openDatabase(":memory:");
  const log = createLogger("test", { level: "error", sink: () => {} });
  const zones = new ZoneLedger(new ZoneStore(db), new EventLog(db), new EventBus(), log);
  const workloads = new WorkloadStore(db);
  const driver = new DeviceDriver({ bootDelayMs: 0 });
  const volumes = new Map([["/dev/vdc", "data"]]);
  const devices = new ZoneDevices({
    driver,
    zones,
    workloads,
    deviceVolumes: () => Promise.resolve(volumes),
    log,
  });
  const zone = (name: string, state = ZoneState.READY) => {
    const id = crypto.randomUUID();
    zones.admit({
      id,
      name,
      spec: create(ZoneSpecSchema, { name }),
      desired: "present",
      state,
      error: "",
      driver: "fake",
      domainId: 1,
      ipv4: "",
      ipv6: "",
      backend: HypervisorBackend.PV,
      exitCode: 0,
      createdAt: new Date(),
    });
    return () => zones.store.get(id);
  };
  return { devices, driver, zones, workloads, zone };
}

Deno.test("a device is given to one zone at a time; the zone's record is the claim", async () => {
  const { devices, driver, zone } = setup();
  const a = zone("a");
  const b = zone("b");
  assert.equal(await devices.attach(a(), "/dev/vda"), "/dev/xvdb");
  assert.deepEqual(a().spec.devices.map((d) => d.name), ["/dev/vda"]);
  assert.equal((await devices.list()).find((d) => d.name === "/dev/vda")?.claimedByZoneId, a().id);
  await assert.rejects(
    devices.attach(b(), "/dev/vda"),
    /is given to zone a; a device belongs to one zone/,
  );
  await devices.attach(a(), "/dev/vda"); // again: idempotent, still one claim, nothing re-added
  assert.equal(a().spec.devices.length, 1);
  await devices.attach(a(), "0000:00:04.0");
  assert.equal(await devices.attach(a(), "0000:00:04.0"), "0000:00:04.0");
  await devices.detach(a(), "0000:00:04.0");
  await devices.detach(a(), "/dev/vda");
  assert.deepEqual(a().spec.devices, []);
  await devices.attach(b(), "/dev/vda");
  assert.deepEqual(driver.calls.map((c) => c.split(" ").slice(0, 2).join(" ")), [
    "attach /dev/vda",
    "attach 0000:00:04.0",
    "detach 0000:00:04.0",
    "detach /dev/vda",
    "attach /dev/vda",
  ]);
});

Deno.test("refusals name why: unknown, held by the host, a volume's, not READY, a failed attach leaves no claim", async () => {
  const { devices, driver, zone } = setup();
  const a = zone("a");
  await assert.rejects(devices.attach(a(), "/dev/nope"), /no device "\/dev\/nope" on this host/);
  await assert.rejects(
    devices.attach(a(), "/dev/vdb"),
    /\/dev\/vdb is in use: host: mounted at \/srv/,
  );
  await assert.rejects(devices.attach(a(), "/dev/vdc"), /\/dev\/vdc holds protect volume data/);
  assert.equal((await devices.list()).find((d) => d.name === "/dev/vdc")?.heldBy, "volume data");
  const booting = zone("c", ZoneState.CREATED);
  await assert.rejects(devices.attach(booting(), "/dev/vda"), /zone c is CREATED, not READY/);
  driver.failNext = "libxl_device_pci_add failed; libxl: no IOMMU";
  await assert.rejects(devices.attach(a(), "0000:00:04.0"), /no IOMMU/);
  assert.deepEqual(a().spec.devices, [], "the claim went with the failure");
  await assert.rejects(devices.detach(a(), "/dev/vda"), /zone a has no device "\/dev\/vda"/);
  await devices.attach(a(), "0000:00:04.0");
  await devices.detach(a(), "0000:00:04.0"); // a PCI function: no disk lookup
  assert.deepEqual(a().spec.devices, []);
  await assert.rejects(
    devices.checkSpec(["/dev/vda", "/dev/vda"]),
    /spec\.devices\[1\]: \/dev\/vda is named twice/,
  );
});

Deno.test("detach is refused while a live workload of the zone mounts the device", async () => {
  const { devices, workloads, zone } = setup();
  const a = zone("a");
  await devices.attach(a(), "/dev/vda");
  workloads.insert({
    id: crypto.randomUUID(),
    zoneId: a().id,
    name: "db",
    spec: create(WorkloadSpecSchema, {
      zone: "a",
      image: "x",
      mounts: [{ type: "device", source: "/dev/vda", destination: "/data" }],
    }),
    state: WorkloadState.RUNNING,
    error: "",
    exitCode: 0,
    createdAt: new Date(),
  });
  await assert.rejects(
    devices.detach(a(), "/dev/vda"),
    /mounted by workload db of zone a; stop it first/,
  );
  assert.equal(devices.guestPath(a(), "/dev/vda"), "/dev/xvdb");
  assert.throws(() => devices.guestPath(a(), "/dev/vdb"), /not a block device of zone a/);
});
