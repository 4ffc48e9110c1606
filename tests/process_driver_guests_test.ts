/**
 * The process driver's guests. It never leaves a zone's agent behind: a launch interrupted before or
 * after it recorded its process (the daemon kill -9'd while the zone was CREATING) is
 * started again with the old agent killed first, an unrecorded agent shows as a guest (so
 * recovery destroys it when no zone claims it), and destroy kills every process of the zone.
 * Its spare agent, started ahead for the next zone, becomes that zone's guest without a new
 * start, and goes with the daemon when no zone took it.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { HypervisorBackend, ZoneSpecSchema } from "../proto/mod.ts";
import { createLogger } from "../lib/log/mod.ts";
import { ProcessDriver } from "../daemon/hypervisor/process/process_driver.ts";
import { REPO } from "./helpers/processes.ts";

/**
 * PIDs of the unshare processes running the zone. unshare --fork's child carries the same
 * arguments until it execs the agent: a process whose parent is one of them is that child.
 */
function zoneProcesses(zoneId: string): number[] {
  const out = new Deno.Command("ps", { args: ["-eo", "pid=,ppid=,args="] }).outputSync();
  const rows = new TextDecoder().decode(out.stdout).split("\n")
    .filter((l) => l.includes("unshare") && l.includes(`--zone-id ${zoneId}`))
    .map((l) => l.trim().split(/\s+/).slice(0, 2).map(Number));
  const pids = new Set(rows.map(([pid]) => pid));
  return rows.filter(([, ppid]) => !pids.has(ppid)).map(([pid]) => pid);
}

function driverIn(dir: string, spareAgent = false) {
  return new ProcessDriver({
    zonesDir: join(dir, "zones"),
    endpointPath: join(dir, "zones.sock"),
    denoPath: Deno.execPath(),
    agentEntry: join(REPO, "zone/main.ts"),
    bootTimeoutMs: 30_000,
    log: createLogger("test", { level: "error" }),
    spareAgent,
  });
}

Deno.test("process driver: an interrupted launch leaves no second agent; destroy kills all", async () => {
  const dir = Deno.makeTempDirSync();
  const driver = driverIn(dir);
  const zoneId = crypto.randomUUID();
  const launch = { zoneId, name: "z1", spec: create(ZoneSpecSchema, { name: "z1" }) };
  const signal = new AbortController().signal;
  try {
    const first = await driver.createGuest(launch, signal);
    assert.deepEqual(zoneProcesses(zoneId), [first.domainId]);
    // The daemon died between the spawn and the record (the directory is made before both).
    Deno.removeSync(join(dir, "zones", zoneId, "guest.json"));
    const guests = await driver.listGuests();
    assert.deepEqual(
      guests.filter((g) => g.zoneId === zoneId),
      [{ zoneId, domainId: first.domainId, running: true }],
      "an unrecorded agent is still a guest",
    );
    const second = await driver.createGuest(launch, signal);
    assert.deepEqual(zoneProcesses(zoneId), [second.domainId], "the first agent was killed");
    // Once more, recorded this time: the restart finds the record and the process.
    const third = await driver.createGuest(launch, signal);
    assert.deepEqual(zoneProcesses(zoneId), [third.domainId]);
    await driver.destroyGuest(zoneId);
    assert.deepEqual(zoneProcesses(zoneId), []);
  } finally {
    for (const pid of zoneProcesses(zoneId)) Deno.kill(pid, "SIGKILL");
    driver.close();
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("process driver: the spare agent becomes the next zone's guest; the rest go on close", async () => {
  const dir = Deno.makeTempDirSync();
  const driver = driverIn(dir, true);
  const signal = new AbortController().signal;
  const zoneId = driver.reserveZoneId()!;
  let next = "";
  try {
    assert.match(zoneId, /^[0-9a-f-]{36}$/);
    const [spare] = zoneProcesses(zoneId);
    assert.ok(spare, "the spare runs before its zone exists");
    const launch = { zoneId, name: "z1", spec: create(ZoneSpecSchema, { name: "z1" }) };
    const guest = await driver.createGuest(launch, signal);
    assert.equal(guest.domainId, spare, "no new start: the spare is the guest");
    assert.equal((await driver.listGuests()).find((g) => g.zoneId === zoneId)?.running, true);
    await new Promise((r) => setTimeout(r, 50));
    next = driver.reserveZoneId()!;
    assert.notEqual(next, zoneId, "a new spare was started for the zone after");
    assert.equal(zoneProcesses(next).length, 1);
    assert.ok(
      !(await driver.listGuests()).some((g) => g.zoneId === next),
      "a spare is not a guest (recovery must not destroy it)",
    );
  } finally {
    driver.close();
    assert.deepEqual(zoneProcesses(next), [], "a reserved, uncreated spare goes on close");
    assert.equal(zoneProcesses(zoneId).length, 1, "a zone's agent outlives the daemon");
    for (const pid of [...zoneProcesses(zoneId)]) Deno.kill(pid, "SIGKILL");
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("process driver: a guest type (pv, pvh) is refused, not ignored", () => {
  const dir = Deno.makeTempDirSync();
  const driver = driverIn(dir);
  try {
    assert.match(driver.backendProblem(HypervisorBackend.PVH)!, /pv and pvh need the xen driver/);
    assert.match(driver.backendProblem(HypervisorBackend.PV)!, /pv and pvh need the xen driver/);
    assert.equal(driver.backendProblem(HypervisorBackend.AUTO), undefined);
  } finally {
    driver.close();
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("process driver: a reserved ID no zone took is reused, or its agent removed", async () => {
  const dir = Deno.makeTempDirSync();
  const driver = driverIn(dir, true);
  try {
    const first = driver.reserveZoneId()!;
    driver.releaseZoneId(first); // before the next spare started: it is the spare again
    assert.equal(driver.reserveZoneId(), first);
    await new Promise((r) => setTimeout(r, 50)); // the next spare is up
    driver.releaseZoneId(first); // now it is one too many
    const deadline = Date.now() + 5_000;
    while (zoneProcesses(first).length > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.deepEqual(zoneProcesses(first), [], "the unused agent was killed");
    assert.equal(driver.reserveZoneId() === first, false);
  } finally {
    driver.close();
    Deno.removeSync(dir, { recursive: true });
  }
});
