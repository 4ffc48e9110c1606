import assert from "node:assert/strict";
import { Code, ConnectError } from "@connectrpc/connect";
import { ControlService, ZoneState } from "../../proto/mod.ts";
import { FAKE_FAIL_ANNOTATION } from "../hypervisor/mod.ts";
import { createHarness } from "../testing/harness.ts";
import { controlService } from "./mod.ts";
import { builtHandlers } from "./control_service.ts";
import { unimplementedHandlers } from "./unimplemented.ts";
import { UnimplementedError } from "../../lib/errors/mod.ts";

const codeOf = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (e) {
    return e instanceof ConnectError ? e.code : `not a ConnectError: ${e}`;
  }
  return "no error";
};

Deno.test("every ControlService method is either built or a named Unimplemented placeholder, never both", () => {
  const built = builtHandlers({} as never) as Record<string, unknown>;
  const pending = unimplementedHandlers() as Record<string, unknown>;
  const impl = controlService({} as never) as Record<string, unknown>;
  for (const { localName } of ControlService.methods) {
    const isBuilt = typeof built[localName] === "function";
    const isPending = typeof pending[localName] === "function";
    assert.ok(isBuilt !== isPending, `${localName}: built=${isBuilt}, placeholder=${isPending}`);
    assert.equal(typeof impl[localName], "function", localName);
  }
  const names = new Set(ControlService.methods.map((m) => m.localName));
  for (const name of [...Object.keys(built), ...Object.keys(pending)]) {
    assert.ok(names.has(name), `${name} is not a ControlService method`);
  }
  assert.deepEqual(Object.keys(pending), [], "every RPC is built");
});

Deno.test("devices need the xen driver; reservations need protect-network", async () => {
  const h = createHarness();
  try {
    for (const [method, handler] of Object.entries(unimplementedHandlers())) {
      assert.throws(
        () => (handler as () => unknown)(),
        (e) =>
          e instanceof UnimplementedError &&
          /is not available yet: it arrives with /.test(e.message),
        method,
      );
    }
    const error = await h.client.listDevices({}).catch((e) => e);
    assert.equal(error.code, Code.FailedPrecondition);
    assert.match(
      error.rawMessage,
      /the fake driver cannot give host devices to zones; that needs the xen driver/,
    );
    const launch = await h.client.createZone({
      spec: { name: "d", devices: [{ name: "/dev/vda" }] },
    })
      .catch((e) => e);
    assert.equal(launch.code, Code.InvalidArgument);
    assert.match(launch.rawMessage, /spec\.devices: the fake driver cannot give host devices/);
    assert.equal((await h.client.listZones({})).zones.length, 0, "nothing recorded");
    const attach = await h.client.attachZoneDevice({ zone: "d", device: "/dev/vda" }).catch((e) =>
      e
    );
    assert.equal(attach.code, Code.NotFound, attach.rawMessage);
    // Reservations are forwarded to protect-network, which this harness lacks.
    const network = await h.client.listNetworkReservations({}).catch((e) => e);
    assert.equal(network.code, Code.Unavailable);
    assert.match(network.rawMessage, /no protect-network/);
  } finally {
    await h.close();
  }
});

Deno.test("hypervisor RPCs on a driver without a hypervisor fail with a precondition, naming xen", async () => {
  const h = createHarness();
  try {
    const error = await h.client.readHypervisorConsole({}).catch((e) => e);
    assert.equal(error.code, Code.FailedPrecondition);
    assert.match(error.rawMessage, /the fake driver runs no hypervisor; this needs the xen driver/);
    assert.equal(await codeOf(h.client.getHypervisorDebugInfo({})), Code.FailedPrecondition);
    const { zoneId } = await h.client.createZone({ spec: { name: "r" } });
    const update = await h.client.updateZoneResources({ zoneId }).catch((e) => e);
    assert.equal(update.code, Code.FailedPrecondition);
    assert.match(update.rawMessage, /fake driver cannot change a running zone's resources/);
  } finally {
    await h.close();
  }
});

Deno.test("image RPCs without protect-storage answer Unavailable naming the socket", async () => {
  const h = createHarness();
  try {
    const error = await h.client.listImages({}).catch((e) => e);
    assert.equal(error.code, Code.Unavailable);
    assert.match(
      error.rawMessage,
      /protect-storage is not running \(no socket at .*storage\.sock\)/,
    );
  } finally {
    await h.close();
  }
});

Deno.test("create -> READY -> destroy -> gone, with watch events in order", async () => {
  const h = createHarness();
  try {
    const abort = new AbortController();
    const seen: string[] = [];
    const watching = (async () => {
      for await (const { event } of h.client.watchEvents({}, { signal: abort.signal })) {
        if (event.case === "zoneChanged") seen.push(ZoneState[event.value.status!.state]);
        if (seen.at(-1) === "DESTROYED") break;
      }
    })();
    await new Promise((r) => setTimeout(r, 10));
    const { zoneId } = await h.client.createZone({ spec: { name: "a" } });
    await h.reconciler.idle();
    const { zone } = await h.client.getZone({ zoneId });
    assert.equal(zone?.status?.state, ZoneState.READY);
    assert.equal(zone?.spec?.resources?.targetMemoryMib, 256n, "config default applied");
    await h.client.destroyZone({ zoneId });
    await h.reconciler.idle();
    assert.equal(await codeOf(h.client.getZone({ zoneId })), Code.NotFound);
    await watching;
    abort.abort();
    assert.deepEqual(seen, ["CREATING", "CREATED", "READY", "DESTROYING", "DESTROYED"]);
    assert.deepEqual(await h.driver.listGuests(), []);
  } finally {
    await h.close();
  }
});

Deno.test("destroying a zone while it boots interrupts the boot and removes it", async () => {
  const h = createHarness(60_000);
  try {
    const { zoneId } = await h.client.createZone({ spec: { name: "slow" } });
    await new Promise((r) => setTimeout(r, 20));
    assert.equal((await h.client.getZone({ zoneId })).zone?.status?.state, ZoneState.CREATED);
    await h.client.destroyZone({ zoneId });
    await h.reconciler.idle();
    assert.equal(await codeOf(h.client.getZone({ zoneId })), Code.NotFound);
    assert.deepEqual(await h.driver.listGuests(), []);
  } finally {
    await h.close();
  }
});

Deno.test("driver failures are recorded as FAILED with the reason, guest cleaned up", async () => {
  const h = createHarness();
  try {
    const { zoneId } = await h.client.createZone({
      spec: { name: "bad", annotations: { [FAKE_FAIL_ANNOTATION]: "create" } },
    });
    await h.reconciler.idle();
    const { zone } = await h.client.getZone({ zoneId });
    assert.equal(zone?.status?.state, ZoneState.FAILED);
    assert.equal(
      zone?.status?.error,
      "creating the guest failed: fake driver: injected create failure",
    );
    // A FAILED zone can still be destroyed.
    await h.client.destroyZone({ zoneId });
    await h.reconciler.idle();
    assert.equal(await codeOf(h.client.getZone({ zoneId })), Code.NotFound);
  } finally {
    await h.close();
  }
});

Deno.test("workloads need a READY zone whose driver runs an agent", async () => {
  const h = createHarness();
  try {
    const spec = { zone: "z", image: "busybox", process: { args: ["true"] } };
    assert.equal(await codeOf(h.client.createWorkload({ spec })), Code.NotFound);
    await h.client.createZone({ spec: { name: "z" } });
    await h.reconciler.idle();
    const error = await h.client.createWorkload({ spec }).catch((e) => e);
    assert.equal(error.code, Code.FailedPrecondition);
    assert.match(error.rawMessage, /the fake driver cannot run workloads/);
    assert.equal((await h.client.listWorkloads({})).workloads.length, 0, "nothing recorded");
  } finally {
    await h.close();
  }
});

Deno.test("bad requests are rejected with codes and change nothing", async () => {
  const h = createHarness();
  try {
    assert.equal(await codeOf(h.client.createZone({})), Code.InvalidArgument);
    assert.equal(
      await codeOf(h.client.createZone({ spec: { name: "UPPER" } })),
      Code.InvalidArgument,
    );
    assert.equal(await codeOf(h.client.getZone({ zoneId: "" })), Code.InvalidArgument);
    assert.equal(await codeOf(h.client.destroyZone({ zoneId: "nope" })), Code.NotFound);
    assert.equal(await codeOf(h.client.resolveZoneId({ name: "nope" })), Code.NotFound);
    assert.equal((await h.client.listZones({})).zones.length, 0);
    await h.client.createZone({ spec: { name: "a" } });
    assert.equal(await codeOf(h.client.createZone({ spec: { name: "a" } })), Code.AlreadyExists);
    assert.equal((await h.client.listZones({})).zones.length, 1);
  } finally {
    await h.close();
  }
});

Deno.test("zone console input reaches the zone's console device, bounded", async () => {
  const h = createHarness();
  try {
    const { zoneId } = await h.client.createZone({ spec: { name: "c" } });
    await h.reconciler.idle();
    const typed = Promise.withResolvers<void>();
    const requests = async function* () {
      yield { zoneId, follow: true };
      yield { data: new TextEncoder().encode("echo hi\r") };
      await typed.promise;
    };
    let shown = "";
    for await (const r of h.client.attachZoneConsole(requests())) {
      shown += new TextDecoder().decode(r.data);
      if (shown === "echo hi\r") break;
    }
    typed.resolve();
    assert.equal(shown, "echo hi\r");
    const big = async function* () {
      yield { zoneId, follow: true };
      yield { data: new Uint8Array(64 * 1024 + 1) };
    };
    const error = await (async () => {
      for await (const _ of h.client.attachZoneConsole(big())) { /* output */ }
    })().catch((e) => e);
    assert.equal(error.code, Code.InvalidArgument);
    assert.match(error.rawMessage, /data: more than 65536 bytes at once/);
  } finally {
    await h.close();
  }
});
