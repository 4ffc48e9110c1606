/**
 * tools/install.sh under a scratch --root (no systemctl there): what it installs,
 * that an edited config survives a second install, that uninstall keeps the state
 * unless --purge, and that each unit's hardening leaves room for exactly what its
 * program's deno.json permission set may write. The real run, with systemd as PID 1
 * and real Xen, is the lab's install case (tests/xen/lab/install_case.sh).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { REPO } from "./helpers/processes.ts";
import { readPermissionSet } from "../lib/permissions/mod.ts";

const PROGRAMS = [
  "protect-daemon-xen",
  "protect-storage",
  "protect-network",
  "protect-orchestrator",
  "protect-cri",
  "protect",
];

function fakeDist(): string {
  // Test doubles for the bundles: the installer copies them, it does not run them.
  const dist = Deno.makeTempDirSync({ prefix: "protect-dist-" });
  for (const p of PROGRAMS) {
    Deno.writeTextFileSync(join(dist, p), "#!/bin/sh\n", { mode: 0o755 });
    Deno.writeTextFileSync(join(dist, `${p}.js`), "// bundle\n");
  }
  return dist;
}

async function install(root: string, ...args: string[]) {
  const out = await new Deno.Command("bash", {
    args: [join(REPO, "tools/install.sh"), "--root", root, ...args],
    stdin: "null",
  }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, text);
  return text;
}

const exists = (path: string) => {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
};

Deno.test("install puts programs, units, hotplug scripts and a Xen daemon.toml in place; uninstall keeps state", async () => {
  const root = Deno.makeTempDirSync({ prefix: "protect-install-" });
  const dist = fakeDist();
  const zoneFiles = Deno.makeTempDirSync({ prefix: "protect-zone-files-" });
  for (const f of ["zone-vmlinux", "zone-initrd.cpio.gz", "addons.sqfs"]) {
    Deno.writeTextFileSync(join(zoneFiles, f), f);
  }
  try {
    const first = await install(
      root,
      "--dist",
      dist,
      "--deno",
      Deno.execPath(),
      "--zone-files",
      zoneFiles,
    );
    assert.match(first, /wrote \/etc\/protect\/daemon.toml \(Xen driver\)/);
    const lib = join(root, "usr/local/lib/protect");
    for (const p of [...PROGRAMS, "deno"]) {
      assert.ok((Deno.statSync(join(lib, p)).mode! & 0o111) !== 0, `${p} is executable`);
    }
    assert.equal(
      Deno.readLinkSync(join(root, "usr/local/bin/protect")),
      "/usr/local/lib/protect/protect",
    );
    assert.equal(
      Deno.readTextFileSync(join(root, "var/lib/protect/xen/addons.sqfs")),
      "addons.sqfs",
    );
    assert.ok(exists(join(root, "etc/protect/xen/block-protect")));
    const units = join(root, "etc/systemd/system");
    for (
      const unit of [
        "protect-daemon.service",
        "protect-storage.service",
        "protect-network.service",
        "protect-orchestrator.service",
        "protect-cri.service",
      ]
    ) {
      const text = Deno.readTextFileSync(join(units, unit));
      assert.doesNotMatch(text, /@[A-Z]+@/, `${unit} has an unreplaced placeholder`);
      assert.match(text, /^ExecStart=\/usr\/local\/lib\/protect\/protect-[a-z-]+$/m);
      assert.match(text, /^Restart=on-failure$/m);
      assert.match(text, /^WantedBy=protect.target$/m);
    }
    assert.match(Deno.readTextFileSync(join(units, "protect.target")), /^Wants=.*protect-daemon/m);
    const config = join(root, "etc/protect/daemon.toml");
    assert.match(Deno.readTextFileSync(config), /^driver = "xen"$/m);

    // An edited config is the operator's: a second install keeps it and leaves the default beside it.
    Deno.writeTextFileSync(config, '[daemon]\ndriver = "xen"\nlog_level = "debug"\n');
    Deno.mkdirSync(join(root, "var/lib/protect/images"), { recursive: true });
    Deno.writeTextFileSync(join(root, "var/lib/protect/protect.db"), "state");
    const second = await install(root, "--dist", dist, "--deno", Deno.execPath());
    assert.match(second, /kept your \/etc\/protect\/daemon.toml/);
    assert.match(Deno.readTextFileSync(config), /log_level = "debug"/);
    assert.match(Deno.readTextFileSync(`${config}.dist`), /^driver = "xen"$/m);

    const removed = await install(root, "--uninstall");
    assert.match(removed, /kept the state in \/var\/lib\/protect/);
    assert.ok(!exists(lib) && !exists(join(units, "protect-daemon.service")));
    assert.ok(!exists(join(root, "usr/local/bin/protect")));
    assert.equal(Deno.readTextFileSync(join(root, "var/lib/protect/protect.db")), "state");
    assert.ok(exists(config));

    await install(root, "--uninstall", "--purge");
    assert.ok(!exists(join(root, "var/lib/protect")) && !exists(join(root, "etc/protect")));
  } finally {
    for (const dir of [root, dist, zoneFiles]) Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("install refuses a relative prefix and an incomplete dist, and changes nothing", async () => {
  const root = Deno.makeTempDirSync({ prefix: "protect-install-" });
  const dist = Deno.makeTempDirSync({ prefix: "protect-dist-" });
  try {
    const run = (...args: string[]) =>
      new Deno.Command("bash", {
        args: [join(REPO, "tools/install.sh"), "--root", root, "--deno", Deno.execPath(), ...args],
        stdin: "null",
      }).output();
    const relative = await run("--prefix", "usr", "--dist", dist);
    assert.equal(relative.code, 1);
    assert.match(new TextDecoder().decode(relative.stderr), /--prefix must be an absolute path/);
    const empty = await run("--dist", dist);
    assert.equal(empty.code, 1);
    assert.match(new TextDecoder().decode(empty.stderr), /has no protect-daemon-xen/);
    assert.deepEqual([...Deno.readDirSync(root)], []);
  } finally {
    Deno.removeSync(root, { recursive: true });
    Deno.removeSync(dist, { recursive: true });
  }
});

/** The unit's ReadWritePaths, without the "-" that marks optional ones. */
function readWritePaths(unit: string): string[] {
  const text = Deno.readTextFileSync(join(REPO, "deploy/systemd", unit));
  return [...text.matchAll(/^ReadWritePaths=(.*)$/gm)].flatMap((m) => m[1].split(/\s+/))
    .map((p) => p.replace(/^-/, ""));
}

Deno.test("each unit lets its program write what its permission set grants, under ProtectSystem=strict", () => {
  const pairs = [
    ["protect-daemon.service", "daemon-xen"],
    ["protect-storage.service", "storage"],
    ["protect-network.service", "network"],
    ["protect-cri.service", "cri"],
    ["protect-orchestrator.service", "orchestrator"],
  ];
  for (const [unit, set] of pairs) {
    const text = Deno.readTextFileSync(join(REPO, "deploy/systemd", unit));
    assert.match(text, /^ProtectSystem=strict$/m, unit);
    assert.match(text, /^CapabilityBoundingSet=/m, unit);
    const writable = readWritePaths(unit);
    const grants = readPermissionSet(join(REPO, "deno.json"), set).write;
    assert.ok(Array.isArray(grants), `${set} grants scoped writes`);
    for (const path of grants as string[]) {
      assert.ok(
        writable.some((w) => path === w || path.startsWith(`${w}/`)),
        `${unit}: ${path} (deno.json "${set}") is not in ReadWritePaths ${writable.join(" ")}`,
      );
    }
  }
  assert.match(
    Deno.readTextFileSync(join(REPO, "deploy/systemd/protect-daemon.service")),
    /^DeviceAllow=\/dev\/xen\/privcmd rw$/m,
  );
});
