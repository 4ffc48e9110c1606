// deno-lint-ignore-file no-explicit-any -- the OCI config is a plain JSON document
import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { WorkloadStartSchema } from "../../proto/gen/protect/idm/v1/idm_pb.ts";
import { DEFAULT_CAPABILITIES, ociConfig } from "./oci_config.ts";

const spec = (init: Parameters<typeof create<typeof WorkloadStartSchema>>[1]) =>
  create(WorkloadStartSchema, init);

Deno.test("default workload: own namespaces, default caps, masked paths, no new privileges", () => {
  const c = ociConfig(spec({ args: ["sh"], user: "1000:100" }), "/r", "z") as any;
  assert.deepEqual(c.process.args, ["sh"]);
  assert.deepEqual(c.process.user, { uid: 1000, gid: 100 });
  assert.deepEqual(c.process.capabilities.bounding, DEFAULT_CAPABILITIES);
  assert.equal(c.process.noNewPrivileges, true);
  assert.deepEqual(c.linux.namespaces.map((n: { type: string }) => n.type), [
    "pid",
    "ipc",
    "uts",
    "mount",
  ]);
  assert.ok(c.linux.maskedPaths.includes("/proc/kcore"));
  assert.equal(c.root.path, "/r");
});

Deno.test("capabilities, limits, read-only root and privileged", () => {
  const c = ociConfig(
    spec({
      args: ["x"],
      addCapabilities: ["net_admin"],
      dropCapabilities: ["CAP_KILL"],
      readOnlyRootFilesystem: true,
      memoryLimitBytes: 1024n,
      pidsLimit: 10,
    }),
    "/r",
    "z",
  ) as any;
  assert.ok(c.process.capabilities.bounding.includes("CAP_NET_ADMIN"));
  assert.ok(!c.process.capabilities.bounding.includes("CAP_KILL"));
  assert.equal(c.root.readonly, true);
  assert.deepEqual(c.linux.resources, { memory: { limit: 1024 }, pids: { limit: 10 } });
  const p = ociConfig(spec({ args: ["x"], privileged: true }), "/r", "z") as any;
  assert.ok(p.process.capabilities.bounding.includes("CAP_SYS_ADMIN"));
  assert.deepEqual(p.linux.maskedPaths, []);
});

Deno.test("bad input is refused", () => {
  assert.throws(() => ociConfig(spec({ args: [] }), "/r", "z"), /no command/);
  assert.throws(
    () => ociConfig(spec({ args: ["x"], user: "root" }), "/r", "z"),
    /user "root" is not in the image's \/etc\/passwd/,
  );
  assert.throws(
    () => ociConfig(spec({ args: ["x"], seccomp: "{}" }), "/r", "z"),
    /needs a "defaultAction"/,
  );
  assert.throws(
    () => ociConfig(spec({ args: ["x"], addCapabilities: ["bogus"] }), "/r", "z"),
    /unknown capability/,
  );
});

Deno.test("cpu quota, HOSTNAME, image users, tmpfs mounts", () => {
  const c = ociConfig(
    spec({
      args: ["x"],
      env: ["PATH=/bin"],
      cpuMillis: 500,
      user: "app",
      tmpfs: [{ destination: "/cache" }, { destination: "/ro", readOnly: true }],
    }),
    "/r",
    "zone-1",
    { accounts: { passwd: "app:x:1000:1000::/:/bin/sh\n", group: "extra:x:50:app\n" } },
  ) as any;
  assert.deepEqual(c.linux.resources.cpu, { quota: 50_000, period: 100_000 });
  assert.deepEqual(c.process.env, ["PATH=/bin", "HOSTNAME=zone-1"]);
  assert.deepEqual(c.process.user, { uid: 1000, gid: 1000, additionalGids: [50] });
  const tmpfs = c.mounts.filter((m: any) => m.destination === "/cache" || m.destination === "/ro");
  assert.deepEqual(tmpfs.map((m: any) => [m.destination, m.options.includes("ro")]), [
    ["/cache", false],
    ["/ro", true],
  ]);
  const own = ociConfig(spec({ args: ["x"], env: ["HOSTNAME=mine"] }), "/r", "z") as any;
  assert.deepEqual(own.process.env, ["HOSTNAME=mine"]);
});

Deno.test("seccomp: Docker-like default, capabilities re-allow, privileged and unconfined have none", () => {
  const blocked = (c: any) =>
    c.linux.seccomp.syscalls.filter((r: any) => r.errnoRet === 1).flatMap((r: any) => r.names);
  const plain = ociConfig(spec({ args: ["x"] }), "/r", "z") as any;
  assert.equal(plain.linux.seccomp.defaultAction, "SCMP_ACT_ALLOW");
  for (const call of ["unshare", "keyctl", "mount", "ptrace", "bpf", "reboot"]) {
    assert.ok(blocked(plain).includes(call), call);
  }
  const admin = ociConfig(spec({ args: ["x"], addCapabilities: ["SYS_ADMIN"] }), "/r", "z") as any;
  assert.ok(!blocked(admin).includes("unshare") && blocked(admin).includes("keyctl"));
  assert.equal(
    (ociConfig(spec({ args: ["x"], privileged: true }), "/r", "z") as any).linux.seccomp,
    undefined,
  );
  assert.equal(
    (ociConfig(spec({ args: ["x"], seccomp: "unconfined" }), "/r", "z") as any).linux.seccomp,
    undefined,
  );
  const custom =
    '{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW"}]}';
  assert.equal(
    (ociConfig(spec({ args: ["x"], seccomp: custom }), "/r", "z") as any).linux.seccomp
      .defaultAction,
    "SCMP_ACT_ERRNO",
  );
});

Deno.test("what Kubernetes asks: groups, privilege escalation, paths, cpu shares, oom_score_adj", () => {
  const c = ociConfig(
    spec({
      args: ["x"],
      user: "1000:1000",
      supplementalGroups: [2000, 3000],
      allowPrivilegeEscalation: true,
      customMaskedPaths: true,
      maskedPaths: ["/proc/kcore"],
      customReadonlyPaths: true,
      readonlyPaths: [],
      cpuShares: 512n,
      cpuMillis: 500,
      oomScoreAdj: 900,
    }),
    "/r",
    "z",
  ) as any;
  assert.deepEqual(c.process.user, { uid: 1000, gid: 1000, additionalGids: [2000, 3000] });
  assert.equal(c.process.noNewPrivileges, false);
  assert.equal(c.process.oomScoreAdj, 900);
  assert.deepEqual(c.linux.maskedPaths, ["/proc/kcore"]);
  assert.deepEqual(c.linux.readonlyPaths, []);
  assert.deepEqual(c.linux.resources.cpu, { shares: 512, quota: 50000, period: 100000 });
  const plain = ociConfig(spec({ args: ["x"] }), "/r", "z") as any;
  assert.ok(plain.linux.readonlyPaths.includes("/proc/sys"), "unset: the defaults");
  assert.equal(plain.process.oomScoreAdj, undefined);
  const shared = ociConfig(
    spec({ args: ["x"], shareZonePid: true, shareZoneIpc: true }),
    "/r",
    "z",
  ) as any;
  assert.deepEqual(shared.linux.namespaces.map((n: { type: string }) => n.type), ["uts", "mount"]);
});
