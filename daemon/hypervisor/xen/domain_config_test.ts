import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { HypervisorBackend, ZoneSpecSchema } from "../../../proto/mod.ts";
import { domainConfig, imageVdev, resolveBackend } from "./domain_config.ts";
import { FailedPreconditionError } from "../../../lib/errors/mod.ts";

type Config = {
  c_info: Record<string, unknown>;
  b_info: Record<string, unknown>;
  disks: Record<string, unknown>[];
  nics: Record<string, unknown>[];
  p9s: Record<string, unknown>[];
};

const boot = {
  kernel: "/k/vmlinux",
  initrd: "/k/initrd",
  addons: "/k/addons.sqfs",
  hotplugScript: "/etc/protect/xen/block",
  vifScript: "/etc/protect/xen/vif",
};

Deno.test("domainConfig: PV guest with the zone ID as UUID, memory and vCPUs from the spec", () => {
  const spec = create(ZoneSpecSchema, {
    name: "web",
    resources: { targetMemoryMib: 256n, maxMemoryMib: 512n, targetCpus: 1, maxCpus: 2 },
    kernelOptions: ["loglevel=7"],
  });
  const id = "0b5a3c3e-8a0e-4b53-9e63-7a0c8b3f3f10";
  const c = domainConfig({
    zoneId: id,
    name: "web",
    spec,
    boot,
    backend: HypervisorBackend.PV,
  }) as unknown as Config;
  assert.deepEqual(c.c_info, {
    type: "pv",
    name: "web",
    uuid: id,
    xsdata: { "protect/zone-id": id },
  });
  assert.equal(c.b_info.max_memkb, 512 * 1024);
  assert.equal(c.b_info.target_memkb, 256 * 1024);
  assert.equal(c.b_info.max_vcpus, 2);
  assert.deepEqual(c.b_info.avail_vcpus, [0]);
  assert.equal(c.b_info.cmdline, `console=hvc0 quiet protect.zone=${id} loglevel=7`);
  assert.deepEqual(c.b_info["type.pv"], {});
  assert.equal(c.disks[0].vdev, "xvda");
  assert.equal(c.disks[0].readwrite, 0);
  assert.equal(c.disks[0].script, boot.hotplugScript);
  // One vif, named like every zone link so protect-network's rules cover it.
  assert.deepEqual(c.nics, [
    { devid: 0, nictype: "vif", ifname: "pz0b5a3c3e8a0e", script: boot.vifScript },
  ]);
});

Deno.test("domainConfig: the vif carries the zone's reserved MAC when there is one", () => {
  const c = domainConfig({
    zoneId: "0b5a3c3e-8a0e-4b53-9e63-7a0c8b3f3f10",
    name: "web",
    spec: create(ZoneSpecSchema, { resources: { targetMemoryMib: 128n } }),
    boot,
    mac: "02:aa:bb:cc:dd:ee",
    backend: HypervisorBackend.PV,
  }) as unknown as Config;
  assert.equal(c.nics[0].mac, "02:aa:bb:cc:dd:ee");
});

Deno.test("domainConfig: a zone with its network disabled gets no vif", () => {
  const c = domainConfig({
    zoneId: "0b5a3c3e-8a0e-4b53-9e63-7a0c8b3f3f10",
    name: "quiet",
    spec: create(ZoneSpecSchema, {
      resources: { targetMemoryMib: 128n },
      network: { disabled: true },
    }),
    boot,
    backend: HypervisorBackend.PV,
  }) as unknown as Config;
  assert.deepEqual(c.nics, []);
});

Deno.test("domainConfig: each share is a 9pfs device, tagged by its index", () => {
  const spec = create(ZoneSpecSchema, {
    resources: { targetMemoryMib: 128n },
    shares: [{ hostPath: "/var/lib/kubelet/pods/u1" }, { hostPath: "/srv/data" }],
  });
  const c = domainConfig({
    zoneId: "z",
    name: "pod",
    spec,
    boot,
    backend: HypervisorBackend.PV,
  }) as unknown as Config;
  assert.deepEqual(c.p9s, [
    { tag: "share0", path: "/var/lib/kubelet/pods/u1", security_model: "none", devid: 0 },
    { tag: "share1", path: "/srv/data", security_model: "none", devid: 1 },
  ]);
  const none = domainConfig({
    zoneId: "z",
    name: "plain",
    spec: create(ZoneSpecSchema, { resources: { targetMemoryMib: 128n } }),
    boot,
    backend: HypervisorBackend.PV,
  }) as unknown as Config;
  assert.deepEqual(none.p9s, []);
});

Deno.test("domainConfig: a PVH zone is a pvh domain", () => {
  const pvh = domainConfig({
    zoneId: "z",
    name: "a",
    spec: create(ZoneSpecSchema, { resources: { targetMemoryMib: 128n } }),
    boot,
    backend: HypervisorBackend.PVH,
  }) as unknown as Config;
  assert.equal(pvh.c_info.type, "pvh");
  assert.deepEqual(pvh.b_info["type.pvh"], {});
  assert.equal(pvh.b_info.max_memkb, 128 * 1024);
});

Deno.test("resolveBackend: AUTO is PVH where Xen has hvm, else PV; PVH without hvm refused", () => {
  const { AUTO, UNSPECIFIED, PV, PVH } = HypervisorBackend;
  assert.equal(resolveBackend(AUTO, true), PVH);
  assert.equal(resolveBackend(UNSPECIFIED, true), PVH);
  assert.equal(resolveBackend(AUTO, false), PV);
  assert.equal(resolveBackend(PV, true), PV);
  assert.equal(resolveBackend(PVH, true), PVH);
  assert.throws(
    () => resolveBackend(PVH, false),
    (e) =>
      e instanceof FailedPreconditionError && /PVH needs hardware virtualisation/.test(e.message),
  );
  // PCI passthrough: AUTO is PV; PVH is refused with libxl's reason.
  assert.equal(resolveBackend(AUTO, true, true), PV);
  assert.throws(
    () => resolveBackend(PVH, true, true),
    (e) => e instanceof FailedPreconditionError && /passthrough not yet supported/.test(e.message),
  );
});

Deno.test("imageVdev: xvdb onwards, refuses slots past xvdz", () => {
  assert.equal(imageVdev(0), "xvdb");
  assert.equal(imageVdev(24), "xvdz");
  assert.throws(() => imageVdev(25), /out of range/);
});

Deno.test("domainConfig: a kernel by reference boots its image's files; a spec initrd wins", () => {
  const spec = create(ZoneSpecSchema, {
    name: "k",
    kernel: "registry.example/kernels/zone:6.1",
    resources: { targetMemoryMib: 256n, targetCpus: 1 },
  });
  const input = { zoneId: "z", name: "k", spec, boot, backend: HypervisorBackend.PV };
  const files = { kernel: "/store/kernels/ab/image", initrd: "/store/kernels/ab/initrd" };
  let b = (domainConfig({ ...input, kernelFiles: files }) as unknown as Config).b_info;
  assert.equal(b.kernel, files.kernel);
  assert.equal(b.ramdisk, files.initrd);
  b = (domainConfig({ ...input, kernelFiles: { ...files, initrd: "" } }) as unknown as Config)
    .b_info;
  assert.equal(b.ramdisk, boot.initrd, "an image without an initrd: the host's");
  spec.initrd = "/k/other-initrd";
  b = (domainConfig({ ...input, kernelFiles: files }) as unknown as Config).b_info;
  assert.equal(b.ramdisk, "/k/other-initrd");
});

Deno.test("domainConfig: a zone launched with a PCI function gets an IOMMU context", () => {
  const spec = create(ZoneSpecSchema, { name: "p", resources: { targetMemoryMib: 256n } });
  const input = { zoneId: "z", name: "p", spec, boot, backend: HypervisorBackend.PV };
  const plain = domainConfig(input) as unknown as Config;
  assert.equal(plain.c_info.passthrough, undefined);
  const pci = domainConfig({ ...input, pciPassthrough: true }) as unknown as Config;
  assert.equal(pci.c_info.passthrough, "enabled");
  assert.equal((pci.c_info.xsdata as Record<string, string>)["protect/pci-passthrough"], "1");
});
