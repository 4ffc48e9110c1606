/** Zone lifecycle and recovery: destroy leaves nothing, concurrent launches, daemon kill -9 and restart, the CRI pod case, a panicking kernel. (Imported in order by ../e2e_test.ts.) */
import assert from "node:assert/strict";
import {
  assertNoTraces,
  domains,
  IMAGE,
  ok,
  OUT,
  protect,
  run,
  timed,
  timings,
  until,
  zone,
  zones,
  type ZoneView,
} from "../e2e_helpers.ts";
import { opts } from "./e2e_options.ts";

Deno.test("destroy leaves no domain, no loop device, no xenstore keys", opts, async () => {
  const z = await zone("e1");
  // A loop device over the addons disk that no backend names, as a block-protect
  // `remove` killed by libxl's hotplug timeout leaves: the destroy must release it too.
  const stray = await run("losetup", "-r", "-f", "--show", "/var/lib/protect/xen/addons.sqfs");
  assert.equal(stray.code, 0, stray.stderr);
  await timed("zone destroy --wait", () => ok("zone", "destroy", "e1", "--wait"));
  await assertNoTraces(z.status.domainId!);
  const log = await Deno.readTextFile(`${OUT}/daemon.log`);
  assert.match(log, new RegExp(`released a loop device .*device=${stray.stdout.trim()}`));
});

Deno.test(
  "a zone boots a kernel named by OCI reference; bad kernels are refused",
  opts,
  async () => {
    await ok(
      "image",
      "import",
      "/mnt/host/images/zone-kernel.tar",
      "--reference",
      "lab/zone-kernel:1",
    );
    try {
      await timed(
        "zone launch --kernel REF --wait (extracting the kernel included)",
        () => ok("zone", "launch", "-n", "k1", "--kernel", "lab/zone-kernel:1", "--wait"),
      );
      const z = await zone("k1");
      assert.equal(z.status.state, "ZONE_STATE_READY");
      const r = await protect(
        "workload",
        "launch",
        "--zone",
        "k1",
        IMAGE,
        "--",
        "sh",
        "-c",
        "uname -r",
      );
      assert.match(r.stdout, /^6\.1\./, r.stderr);
      const log = await Deno.readTextFile(`${OUT}/daemon.log`);
      assert.match(log, /zone kernel from an image image=lab\/zone-kernel:1 .*initrd=true/);
      // libxl booted the extracted file, not the host's default kernel.
      const kernels = await run("sh", "-c", "ls /var/lib/protect/images/kernels/*/image");
      assert.equal(kernels.code, 0, kernels.stderr);
      await ok("zone", "destroy", "k1", "--wait");
    } finally {
      await protect("zone", "destroy", "k1", "--wait");
    }
    const bad = await protect("zone", "launch", "-n", "k2", "--kernel", "Not A Reference");
    assert.equal(bad.code, 1, bad.stderr);
    assert.match(bad.stderr, /spec\.kernel: neither a host path \(absolute\) nor an OCI reference/);
    const outside = await protect("zone", "launch", "-n", "k2", "--kernel", "/etc/hostname");
    assert.equal(outside.code, 1, outside.stderr);
    assert.match(
      outside.stderr,
      /spec\.kernel: \/etc\/hostname is not inside \/var\/lib\/protect\/xen/,
    );
    const notKernel = await protect("zone", "launch", "-n", "k3", "--kernel", IMAGE, "--wait");
    assert.notEqual(notKernel.code, 0);
    const k3 = await zone("k3");
    assert.equal(k3.status.state, "ZONE_STATE_FAILED");
    assert.match(k3.status.error!, /is not a kernel image: it has no \/kernel directory/);
    await ok("zone", "destroy", "k3", "--wait");
  },
);

Deno.test("four zones run at once", opts, async () => {
  const names = ["q1", "q2", "q3", "q4"];
  try {
    await timed("4 zones launched concurrently, all READY", async () => {
      for (const n of names) await ok("zone", "launch", "-n", n);
      await until("4 zones READY", 300, async () => {
        const states = (await zones()).filter((z) => names.includes(z.spec.name));
        const failed = states.find((z) => z.status.state === "ZONE_STATE_FAILED");
        if (failed) throw new Error(`${failed.spec.name} FAILED: ${failed.status.error}`);
        return states.every((z) => z.status.state === "ZONE_STATE_READY") ? true : undefined;
      });
    });
    const outputs = await Promise.all(
      names.map((n) =>
        protect("workload", "launch", "--zone", n, IMAGE, "--", "sh", "-c", `echo from ${n}`)
      ),
    );
    outputs.forEach((r, i) => assert.equal(r.stdout, `from ${names[i]}\n`, r.stderr));
    const ids = await Promise.all(names.map(async (n) => (await zone(n)).status.domainId!));
    await Promise.all(names.map((n) => ok("zone", "destroy", n, "--wait")));
    for (const id of ids) await assertNoTraces(id);
  } finally {
    // Whatever happened, leave no zone behind for the tests that follow.
    await Promise.all(names.map((n) => protect("zone", "destroy", n, "--wait")));
  }
});

Deno.test(
  "daemon kill -9 mid-launch: after restart every zone is READY or FAILED, no orphans",
  opts,
  async () => {
    await ok("zone", "launch", "-n", "k1");
    await ok("zone", "launch", "-n", "k2");
    await new Promise((r) => setTimeout(r, 3000));
    const pid = Deno.readTextFileSync("/run/daemon.pid").trim();
    await run("kill", "-9", pid);
    await new Promise((r) => setTimeout(r, 500));
    await run(
      "sh",
      "-c",
      `protect-daemon-xen >> ${OUT}/daemon.log 2>&1 & echo $! > /run/daemon.pid`,
    );
    await timed("restart → zones settled", () =>
      until("k1, k2 settled", 300, async () => {
        const r = await protect("zone", "list", "-o", "json");
        if (r.code !== 0) return undefined; // daemon still starting
        const ks = (JSON.parse(r.stdout) as ZoneView[]).filter((z) => z.spec.name.startsWith("k"));
        const settled = ks.every((z) =>
          z.status.state === "ZONE_STATE_READY" ||
          (z.status.state === "ZONE_STATE_FAILED" && !!z.status.error)
        );
        return ks.length === 2 && settled ? ks : undefined;
      }));
    const known = new Set((await zones()).map((z) => z.status.domainId));
    for (const d of await domains()) {
      assert.ok(
        known.has(d.domid),
        `orphan domain ${d.name} (${d.domid})`,
      );
    }
    const ids = (await zones()).map((z) => z.status.domainId!);
    await ok("zone", "destroy", "k1", "--wait");
    await ok("zone", "destroy", "k2", "--wait");
    for (const id of ids) if (id) await assertNoTraces(id);
  },
);

// After the other restart case and on a zone of its own: a kill -9 leaves the daemon's view of
// hot-plugged disks behind it, so this runs after the cases that count loop devices.
Deno.test("workload logs survive a daemon restart; the zone is re-adopted", opts, async () => {
  await ok("zone", "launch", "-n", "r1", "--wait");
  await ok("workload", "launch", "--zone", "r1", "-n", "said", IMAGE, "--", "sh", "-c", "echo hi");
  const pid = Deno.readTextFileSync("/run/daemon.pid").trim();
  await run("kill", "-9", pid);
  await run("sh", "-c", `protect-daemon-xen >> ${OUT}/daemon.log 2>&1 & echo $! > /run/daemon.pid`);
  await until("the restarted daemon re-adopting r1", 120, async () => {
    const r = await protect("zone", "get", "r1", "-o", "json");
    return r.code === 0 && JSON.parse(r.stdout).status.state === "ZONE_STATE_READY" ? r : undefined;
  });
  assert.equal(await ok("workload", "logs", "said"), "hi\n");
  await ok("zone", "destroy", "r1", "--wait");
});

Deno.test("CRI: a pod with two containers on real Xen (kubelet's flow)", opts, async () => {
  const r = await run("deno", "run", "-A", "/mnt/host/dist/cri-pod-case.js");
  console.log(r.stdout.trim());
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const phases = /"criPhasesMs":(\{[^}]*\})/.exec(r.stdout)?.[1];
  if (phases) {
    for (const [k, v] of Object.entries(JSON.parse(phases))) timings[`cri: ${k}`] = v as number;
  }
});

Deno.test("a zone whose kernel panics is FAILED with the reason", opts, async () => {
  // No init anywhere: the kernel panics ("No working init found").
  const r = await timed(
    "panicking zone to FAILED",
    () =>
      protect(
        "zone",
        "launch",
        "-n",
        "panic",
        "--kernel-option",
        "rdinit=/nonexistent",
        "--kernel-option",
        "init=/nonexistent",
        "--wait",
      ),
  );
  assert.notEqual(r.code, 0);
  const z = await zone("panic");
  assert.equal(z.status.state, "ZONE_STATE_FAILED");
  assert.match(z.status.error ?? "", /crash/);
  await ok("zone", "destroy", "panic", "--wait");
  assert.equal((await domains()).length, 0, "no domain left");
});
