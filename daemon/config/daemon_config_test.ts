import assert from "node:assert/strict";
import { join } from "node:path";
import { DEFAULT_DAEMON_TOML, DEFAULT_XEN_CONFIG, loadDaemonConfig } from "./daemon_config.ts";
import { DEFAULT_IDM_POLICY } from "../idm/idm_policy.ts";
import { DEFAULT_IDM_LIMITS } from "../idm/idm_rate_limits.ts";
import { HypervisorBackend } from "../../proto/mod.ts";

Deno.test("first start writes daemon.toml with the defaults", () => {
  const path = join(Deno.makeTempDirSync(), "etc/protect/daemon.toml");
  const config = loadDaemonConfig(path);
  assert.equal(Deno.readTextFileSync(path), DEFAULT_DAEMON_TOML);
  assert.deepEqual(config, {
    logLevel: "info",
    driver: "fake",
    socketGroup: "protect",
    zoneDefaults: { memoryMib: 512, cpus: 1, backend: HypervisorBackend.AUTO },
    fakeBootDelayMs: 50,
    bootTimeoutMs: 30_000,
    imageFormat: "squashfs",
    shareRoots: ["/var/lib/kubelet/pods"],
    idm: DEFAULT_IDM_POLICY,
    idmLimits: DEFAULT_IDM_LIMITS,
    xen: DEFAULT_XEN_CONFIG,
  });
});

Deno.test("share roots: a list of absolute, normalised directories other than /", () => {
  const path = join(Deno.makeTempDirSync(), "daemon.toml");
  Deno.writeTextFileSync(path, '[shares]\nroots = ["/srv/shared", "/data"]\n');
  assert.deepEqual(loadDaemonConfig(path).shareRoots, ["/srv/shared", "/data"]);
  Deno.writeTextFileSync(path, "[shares]\nroots = []\n");
  assert.deepEqual(loadDaemonConfig(path).shareRoots, []);
  for (const bad of ['"/"', '"srv"', '"/srv/../etc"', '"/srv/"']) {
    Deno.writeTextFileSync(path, `[shares]\nroots = [${bad}]\n`);
    assert.throws(
      () => loadDaemonConfig(path),
      /shares\.roots: .* must be an absolute, normalised/,
    );
  }
});

Deno.test("xen paths must be absolute; the bad key is named", () => {
  const path = join(Deno.makeTempDirSync(), "daemon.toml");
  Deno.writeTextFileSync(path, '[xen]\nkernel = "vmlinux"\n');
  assert.throws(() => loadDaemonConfig(path), /xen\.kernel: must be an absolute path/);
});

Deno.test("a bad setting is named with its section", () => {
  const path = join(Deno.makeTempDirSync(), "daemon.toml");
  Deno.writeTextFileSync(path, '[daemon]\ndriver = "kvm"\n');
  assert.throws(
    () => loadDaemonConfig(path),
    /invalid daemon\.driver: must be one of fake, process/,
  );
});

Deno.test("zone_defaults.backend: auto, pv or pvh", () => {
  const path = join(Deno.makeTempDirSync(), "daemon.toml");
  Deno.writeTextFileSync(path, '[zone_defaults]\nbackend = "pv"\n');
  assert.equal(loadDaemonConfig(path).zoneDefaults.backend, HypervisorBackend.PV);
  Deno.writeTextFileSync(path, '[zone_defaults]\nbackend = "hvm"\n');
  assert.throws(
    () => loadDaemonConfig(path),
    /zone_defaults\.backend: must be one of auto, pv, pvh/,
  );
});

Deno.test("images.format: squashfs or erofs", () => {
  const path = join(Deno.makeTempDirSync(), "daemon.toml");
  Deno.writeTextFileSync(path, '[images]\nformat = "erofs"\n');
  assert.equal(loadDaemonConfig(path).imageFormat, "erofs");
  Deno.writeTextFileSync(path, '[images]\nformat = "ext4"\n');
  assert.throws(() => loadDaemonConfig(path), /images\.format: must be one of squashfs, erofs/);
});

Deno.test("[idm]: rules by zone or annotation; bad types, missing matches and a denied ready are refused", () => {
  const dir = Deno.makeTempDirSync();
  const path = `${dir}/daemon.toml`;
  const load = (toml: string) => {
    Deno.writeTextFileSync(path, toml);
    return loadDaemonConfig(path);
  };
  try {
    const config = load(
      '[idm]\nallow = ["ready", "workload.exit"]\n[[idm.rules]]\nannotation = "tier=untrusted"\ndeny = ["workload.exit"]\n',
    );
    assert.deepEqual(config.idm, {
      allow: ["ready", "workload.exit"],
      rules: [{
        zone: undefined,
        annotation: { key: "tier", value: "untrusted" },
        allow: [],
        deny: ["workload.exit"],
      }],
    });
    assert.throws(
      () => load('[idm]\nallow = ["ready", "Bad Type"]\n'),
      /idm\.allow: "Bad Type" is not an IDM message type/,
    );
    assert.throws(
      () => load('[[idm.rules]]\ndeny = ["x"]\n'),
      /idm\.rules\[0\]: needs zone or annotation/,
    );
    assert.throws(
      () => load('[[idm.rules]]\nzone = "a"\ndeny = ["ready"]\n'),
      /"ready" is how a zone reports it booted/,
    );
    assert.throws(
      () => load("[idm]\nalow = []\n"),
      /idm\.alow: is not a setting \(known here: allow, limits\)/,
    );
    const limited = load("[idm.limits]\nlogs_per_s = 1048576\nlogs_burst = 2097152\n");
    assert.deepEqual(limited.idmLimits, {
      ...DEFAULT_IDM_LIMITS,
      logs: { perSecond: 1 << 20, burst: 2 << 20 },
    });
    assert.throws(
      () => load("[idm.limits]\nevents_per_s = 100\nevents_burst = 10\n"),
      /idm\.limits\.events_burst: must be at least events_per_s \(100\)/,
    );
    assert.throws(
      () => load("[idm.limits]\nmetrics_per_s = 0\n"),
      /idm\.limits\.metrics_per_s: must be an integer from 1/,
    );
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
