/**
 * Zone launch on real Xen, inside one lab boot (tests/xen/lab/run.sh bench):
 * `protect zone launch --wait` (to READY) against `xl create` of an equivalent
 * guest — same kernel, initrd, addons disk, vif, memory and Deno start-up — whose
 * init writes its uptime to data/bench-ready in xenstore instead of starting the agent.
 * Interleaved, N rounds (default 5), for PV and, when Xen reports hvm, PVH side by side
 * (the reference guest of the same type). Also reports the daemon's own time around
 * libxl_domain_create_new (CREATING→CREATED vs the libxl call), from its log.
 * Then the warm pool (protect-orchestrator with one [[pool]] zone of the same shape): a
 * claim's CreateZone → READY through the API against the same xl reference (target ≤ 0.15×),
 * `zone launch --wait` end to end, and a workload's start in a claimed zone against a cold one.
 * Cold launches pass --no-pool.
 * Usage: deno run --no-config -A bench/xen_launch_bench.ts [N] [pv|pvh|both] [cold|pool|both]
 */
import { XenStore } from "../xen/mod.ts";
import { createUntilReady, restartOrchestrator } from "../tests/xen/lab_api.ts";

const N = Number(Deno.args[0] ?? 5);
const WANTED = Deno.args[1] ?? "both";
const CASES = Deno.args[2] ?? "both";
const XEN = "/var/lib/protect/xen";
const decoder = new TextDecoder();

async function sh(command: string, ...args: string[]): Promise<string> {
  const out = await new Deno.Command(command, { args, stdout: "piped", stderr: "piped" }).output();
  if (!out.success) {
    throw new Error(`${command} ${args.join(" ")}: ${decoder.decode(out.stderr).trim()}`);
  }
  return decoder.decode(out.stdout);
}

// A vif as every zone has (named and hotplugged like one); configuring it is protect's overhead.
const referenceConfig = (name: string, backend: string) =>
  `name = "${name}"
type = "${backend}"
kernel = "${XEN}/zone-vmlinux"
ramdisk = "${XEN}/zone-initrd.cpio.gz"
extra = "console=hvc0 quiet protect.bench=ready"
memory = 256
vcpus = 1
disk = [ "format=raw,vdev=xvda,access=ro,script=/etc/protect/xen/block-protect,target=${XEN}/addons.sqfs" ]
vif = [ "vifname=pzbench${name},script=/etc/protect/xen/vif-protect" ]
on_poweroff = "destroy"
`;

const xs = new XenStore();

/** Per round, the reference guest's uptime (s) when it signalled ready. */
let refReadyUptime: number[] = [];

/** xl create, then wait for the guest's readiness key (a xenstore watch). */
async function reference(backend: string, i: number): Promise<number> {
  const name = `ref${backend}${i}`;
  const cfg = `/tmp/${name}.cfg`;
  Deno.writeTextFileSync(cfg, referenceConfig(name, backend));
  const started = performance.now();
  await sh("xl", "create", "-q", cfg);
  const domid = Number((await sh("xl", "domid", name)).trim());
  const key = `/local/domain/${domid}/data/bench-ready`;
  const watcher = new XenStore();
  watcher.watch(key, "bench");
  const stop = new AbortController();
  const timer = setTimeout(() => stop.abort(), 300_000);
  try {
    for await (const _ of watcher.events(stop.signal)) {
      const value = xs.read(key); // the guest's uptime when it signalled
      if (value) {
        refReadyUptime[i] = Number(value);
        break;
      }
    }
  } finally {
    clearTimeout(timer);
    watcher.close();
  }
  const ms = performance.now() - started;
  if (stop.signal.aborted) throw new Error(`${name} never signalled ready`);
  await sh("xl", "destroy", name);
  return ms;
}

async function ours(backend: string, i: number): Promise<number> {
  const name = `ours${backend}${i}`;
  const started = performance.now();
  await sh(
    "protect",
    "zone",
    "launch",
    "-n",
    name,
    "--backend",
    backend,
    "--no-pool",
    "--wait",
    "--timeout",
    "300",
  );
  const ms = performance.now() - started;
  await sh("protect", "zone", "destroy", name, "--wait");
  return ms;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** Timing lines of one guest's console (zone-init's and the agent's); NaN where one is missing. */
function consoleTimings(name: string) {
  let text = "";
  try {
    text = Deno.readTextFileSync(`/var/log/xen/console/guest-${name}.log`);
  } catch { /* no console log: every phase is NaN */ }
  const num = (pattern: RegExp) => Number(text.match(pattern)?.[1]);
  return {
    stage2: num(/stage 2 up at ([\d.]+) s/),
    agentExec: num(/starting the agent at ([\d.]+) s/),
    loadedMs: num(/agent started .*loadedInMs=(\d+)/),
    loadedAt: num(/agent started .*guestUptimeS=([\d.]+)/),
    connectedMs: num(/connected to the host .*agentUptimeMs=(\d+)/),
  };
}

const hvm = (await sh("xl", "info")).match(/virt_caps\s*:\s*(.*)/)?.[1].includes("hvm") ?? false;
const backends = WANTED === "both" ? (hvm ? ["pv", "pvh"] : ["pv"]) : [WANTED];
if (WANTED === "both" && !hvm) console.log("PVH left out: Xen reports no hvm in virt_caps");
let failed = false;
for (const backend of backends) {
  const cases = [["cold", measure], ["pool", measurePooled]] as const;
  for (const [what, run] of cases.filter(([c]) => CASES === "both" || CASES === c)) {
    try {
      await run(backend);
    } catch (e) {
      // One backend failing (a PVH guest dying under TCG) still reports the other.
      console.log(`${backend} ${what}: failed: ${(e as Error).message}`);
      failed = true;
    }
  }
}
if (failed) Deno.exit(1);

async function measure(backend: string) {
  console.log(`== ${backend.toUpperCase()} ==`);
  refReadyUptime = [];
  const oursMs: number[] = [];
  const refMs: number[] = [];
  await reference(backend, -1); // warm-up: page cache, hotplug script, xl's own start-up
  await ours(backend, -1);
  for (let i = 0; i < N; i++) {
    refMs.push(await reference(backend, i));
    oursMs.push(await ours(backend, i));
    console.log(`${backend} round ${i}: protect ${fmt(oursMs[i])}  xl ${fmt(refMs[i])}`);
  }

  // The daemon's own time around libxl_domain_create_new, from its log lines.
  const log = Deno.readTextFileSync("/mnt/host/out/daemon.log").split("\n");
  const libxlMs: number[] = [];
  const stepMs: number[] = [];
  const bootMs: number[] = [];
  for (let i = 0; i < N; i++) {
    const name = `ours${backend}${i}`;
    const at = (state: string) => {
      const line = log.find((l) => l.includes(`zone=${name} `) && l.includes(`state=${state}`));
      return line ? Date.parse(line.split(" ")[0]) : NaN;
    };
    const created = log.find((l) => l.includes("domain created") && l.includes(`zone=${name} `));
    const libxl = Number(created?.match(/ms=(\d+)/)?.[1]);
    libxlMs.push(libxl);
    stepMs.push(at("CREATED") - at("CREATING"));
    bootMs.push(at("READY") - at("CREATED"));
  }

  // Inside the guests, from their consoles: the reference's Deno start-up plus its one-line
  // eval, against the agent's Deno start-up, module loading, connection and bootstrap (ms).
  const guest = {
    stage2: [] as number[],
    deno: [] as number[],
    modules: [] as number[],
    connect: [] as number[],
    bootstrap: [] as number[],
    refStage2: [] as number[],
    refToReady: [] as number[],
  };
  const logTime = (line?: string) => Date.parse(line?.split(" ")[0] ?? "");
  for (let i = 0; i < N; i++) {
    const g = consoleTimings(`ours${backend}${i}`);
    guest.stage2.push(g.stage2 * 1000);
    guest.deno.push((g.loadedAt - g.loadedMs / 1000 - g.agentExec) * 1000);
    guest.modules.push(g.loadedMs);
    guest.connect.push(g.connectedMs - g.loadedMs);
    const id = log.find((l) => l.includes(`zone=ours${backend}${i} `))?.match(/ id=([0-9a-f-]{36})/)
      ?.[1];
    const connected = log.find((l) => l.includes("agent connected") && l.includes(`zone=${id} `));
    const ready = log.find((l) =>
      l.includes(`zone=ours${backend}${i} `) && l.includes("state=READY")
    );
    guest.bootstrap.push(logTime(ready) - logTime(connected));
    const r = consoleTimings(`ref${backend}${i}`);
    guest.refStage2.push(r.stage2 * 1000);
    guest.refToReady.push((refReadyUptime[i] - r.stage2) * 1000);
  }
  // A phase whose console line never made it (a guest cut off early) is left out.
  const m = (key: keyof typeof guest) => fmt(median(guest[key].filter((v) => !isNaN(v))));
  console.log(
    `guests (medians): kernel to stage 2 ${m("stage2")} (reference ${m("refStage2")}); ` +
      `zone: Deno start-up ${m("deno")}, agent modules ${m("modules")}, connect ${m("connect")}, ` +
      `bootstrap ${m("bootstrap")}; reference: stage 2 to ready (Deno start-up and a one-line ` +
      `eval) ${m("refToReady")}`,
  );

  // Where protect's time goes: the CLI's own start-up in dom0, and the boot phases from the logs.
  const cliMs: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    await sh("protect", "host", "status");
    cliMs.push(performance.now() - t);
  }
  console.log(
    `breakdown: CLI alone (protect host status) ${fmt(median(cliMs))}; ` +
      `CREATING→CREATED ${fmt(median(stepMs))}; CREATED→READY (guest boot, agent, bootstrap) ` +
      `${fmt(median(bootMs))}`,
  );

  const ratio = median(oursMs) / median(refMs);
  const overhead = median(stepMs) / median(libxlMs) - 1;
  console.log(
    `protect zone launch --wait: median ${fmt(median(oursMs))} of ${oursMs.map(fmt).join(", ")}`,
  );
  console.log(
    `xl create + ready signal:   median ${fmt(median(refMs))} of ${refMs.map(fmt).join(", ")}`,
  );
  console.log(`${backend}: ratio ${ratio.toFixed(2)}x (target <= 1.10x)`);
  console.log(
    `create step ${median(stepMs)} ms vs libxl_domain_create_new ${median(libxlMs)} ms: ` +
      `overhead ${(overhead * 100).toFixed(1)}% (target <= 10%)`,
  );
}

/** The pool's zone once it is POOLED (the pool is full and nothing boots). */
async function pooledZone(): Promise<string> {
  for (let i = 0; i < 3000; i++) {
    const zones = JSON.parse(await sh("protect", "zone", "list", "--pool", "-o", "json"));
    const z = zones.find((z: { status: { state: string } }) =>
      z.status.state === "ZONE_STATE_POOLED"
    );
    if (z) return z.id;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("the pool never had a POOLED zone");
}

/** The pooled case: the claim through the API, `zone launch --wait`, a workload's start. */
async function measurePooled(backend: string) {
  console.log(`== ${backend.toUpperCase()}, warm pool ==`);
  await restartOrchestrator(`[[pool]]\nname = "bench"\nsize = 1\nbackend = "${backend}"\n`);
  const spec = (name: string) => ({ name, backend: `HYPERVISOR_BACKEND_${backend.toUpperCase()}` });
  try {
    const apiMs: number[] = [];
    const daemonMs: number[] = [];
    const refMs: number[] = [];
    // What a waiting pool zone costs: the memory Xen has given its domain.
    const poolId = await pooledZone();
    const pool = JSON.parse(await sh("protect", "zone", "get", poolId, "-o", "json"));
    const xlLine = (await sh("xl", "list", String(pool.status.domainId))).trim().split("\n")[1];
    console.log(`a pool zone holds ${xlLine.trim().split(/\s+/)[2]} MiB (xl list)`);
    for (let i = 0; i < N; i++) {
      // Interleaved with the reference, each with the pool full and nothing else booting.
      await pooledZone();
      // Rounds 50…: names apart from the cold case's (and vif names within 15 characters).
      refMs.push(await reference(backend, 50 + i));
      const claimed = await pooledZone();
      const c = await createUntilReady(spec(`pooled${backend}${i}`));
      if (c.zoneId !== claimed || !c.fromPool) {
        throw new Error("the launch did not claim the pool zone");
      }
      apiMs.push(c.apiMs);
      daemonMs.push(c.daemonMs);
      console.log(`${backend} pooled round ${i}: claim ${fmt(c.apiMs)}  xl ${fmt(refMs[i])}`);
      await sh("protect", "zone", "destroy", `pooled${backend}${i}`, "--wait");
    }
    const list = (xs: number[]) => xs.map(fmt).join(", ");
    // Where a claim's time goes, from the daemon's "zone bootstrapped" lines.
    const daemonLog = Deno.readTextFileSync("/mnt/host/out/daemon.log").split("\n");
    const phase = (key: string) =>
      median(
        Array.from({ length: N }, (_, i) => {
          const line = daemonLog.find((l) =>
            l.includes("zone bootstrapped") && l.includes(`zone=pooled${backend}${i} `)
          );
          return Number(line?.match(new RegExp(`${key}=(\\d+)`))?.[1]);
        }).filter((v) => !isNaN(v)),
      );
    console.log(`pooled CreateZone → READY (API): median ${fmt(median(apiMs))} of ${list(apiMs)}`);
    console.log(
      `  the daemon's claim → READY:    median ${fmt(median(daemonMs))} of ${list(daemonMs)}`,
    );
    console.log(
      `  claim phases (medians): rename ${phase("renameMs")} ms, network ${
        phase("networkMs")
      } ms, ` +
        `bootstrap to ready ${phase("bootMs")} ms`,
    );
    console.log(`xl create + ready signal:        median ${fmt(median(refMs))} of ${list(refMs)}`);
    console.log(
      `${backend} pooled: ratio ${(median(apiMs) / median(refMs)).toFixed(2)}x (target <= 0.15x)`,
    );

    // End to end through the CLI, and a workload's start (to its exit) in a claimed zone
    // against a cold one.
    const zones = [0, 1, 2].map((i) => `pooledcli${backend}${i}`);
    const cold = `coldw${backend}`;
    try {
      const cliMs: number[] = [];
      for (const name of zones) {
        await pooledZone();
        const t = performance.now();
        await sh("protect", "zone", "launch", "-n", name, "--backend", backend, "--wait");
        cliMs.push(performance.now() - t);
      }
      console.log(
        `pooled zone launch --wait (CLI): median ${fmt(median(cliMs))} of ${list(cliMs)}`,
      );
      await sh(
        "protect",
        "zone",
        "launch",
        "-n",
        cold,
        "--backend",
        backend,
        "--no-pool",
        "--wait",
      );
      const workload = async (zone: string) => {
        const t = performance.now();
        await sh(
          "protect",
          "workload",
          "launch",
          "--zone",
          zone,
          "lab/busybox:1",
          "--",
          "sh",
          "-c",
          "true",
        );
        return performance.now() - t;
      };
      const inPooled: number[] = [];
      const inCold: number[] = [];
      for (const name of zones) {
        inPooled.push(await workload(name));
        inCold.push(await workload(cold));
      }
      console.log(
        `workload launch (to exit): claimed zone median ${fmt(median(inPooled))} of ` +
          `${list(inPooled)}; cold zone ${fmt(median(inCold))} of ${list(inCold)}`,
      );
    } finally {
      for (const name of [...zones, cold]) {
        await sh("protect", "zone", "destroy", name, "--wait").catch(() => {});
      }
    }
  } finally {
    await restartOrchestrator("");
  }
}
