import { writeAll } from "../lib/bytes/mod.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import { create, toBinary } from "@bufbuild/protobuf";
import {
  HelloSchema,
  PacketKind,
  PacketSchema,
  WorkloadExitSchema,
  WorkloadOutputSchema,
} from "../proto/gen/protect/idm/v1/idm_pb.ts";
import { encodeFrame, HEADER_BYTES } from "../lib/idm/mod.ts";
import { protectPaths } from "../lib/paths/mod.ts";
import { busyboxLayers } from "../storage/testing/busybox_image.ts";
import {
  cliJson,
  runCli,
  startProgramProcess,
  startStorageProcess,
  tempRoot,
  writeDaemonConfig,
} from "./helpers/processes.ts";
import { pushImage, startRegistry } from "./helpers/registry.ts";

const packet = (init: Parameters<typeof create<typeof PacketSchema>>[1]) =>
  encodeFrame(toBinary(PacketSchema, create(PacketSchema, init)));

Deno.test("a zone sending garbage, oversized and forged messages is contained", async () => {
  const registry = await startRegistry();
  const root = tempRoot();
  writeDaemonConfig(root, '[daemon]\ndriver = "process"\n');
  const daemon = await startProgramProcess("daemon-process", root);
  const storage = await startStorageProcess(root);
  const image = `${registry.host}/test/busybox:1`;
  try {
    await pushImage(registry.host, "test/busybox", "1", {
      layers: await busyboxLayers(),
      config: { Cmd: ["sh"] },
    });
    for (const name of ["evil", "good"]) {
      assert.equal(
        (await runCli(root, "zone", "launch", "-n", name, "--wait", "--timeout", "60")).code,
        0,
      );
    }
    const evil = (await cliJson(root, "zone", "get", "evil")).id;
    const victim = await runCli(
      root,
      "workload",
      "launch",
      "--zone",
      "good",
      "--name",
      "victim",
      image,
      "--",
      "sh",
      "-c",
      "echo fine",
    );
    assert.equal(victim.code, 0);
    const victimId = (await cliJson(root, "workload", "get", "victim")).id;

    // Play a compromised agent of zone "evil": its real token, then hostile traffic.
    const token = JSON.parse(
      Deno.readTextFileSync(join(protectPaths(root).zonesDir, "process", evil, "guest.json")),
    ).token;
    const conn = await Deno.connect({
      transport: "unix",
      path: join(protectPaths(root).runDir, "zones.sock"),
    });
    const send = (bytes: Uint8Array) => writeAll(conn, bytes);
    await send(
      packet({
        kind: PacketKind.EVENT,
        type: "hello",
        payload: toBinary(HelloSchema, create(HelloSchema, { zoneId: evil, token })),
      }),
    );
    await send(new TextEncoder().encode("garbage ".repeat(1000)));
    const huge = new Uint8Array(HEADER_BYTES + 64);
    huge.set(encodeFrame(new Uint8Array(64)).subarray(0, HEADER_BYTES));
    new DataView(huge.buffer).setUint32(8, 64 << 20, true); // claims 64 MiB
    await send(huge);
    await send(encodeFrame(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff])));
    await send(packet({ kind: PacketKind.STREAM_DATA, id: 12345n, type: "x" }));
    await send(packet({ kind: PacketKind.EVENT, type: "y".repeat(100) }));
    // Forged reports about a workload of another zone.
    await send(packet({
      kind: PacketKind.EVENT,
      type: "workload.output",
      payload: toBinary(
        WorkloadOutputSchema,
        create(WorkloadOutputSchema, {
          workloadId: victimId,
          stdout: new TextEncoder().encode("FORGED"),
        }),
      ),
    }));
    await send(packet({
      kind: PacketKind.EVENT,
      type: "workload.exit",
      payload: toBinary(
        WorkloadExitSchema,
        create(WorkloadExitSchema, { workloadId: victimId, exitCode: 99 }),
      ),
    }));
    await new Promise((r) => setTimeout(r, 300));
    conn.close();

    // The daemon is up, logged what happened, and the other zone is untouched.
    assert.equal((await runCli(root, "host", "status")).code, 0);
    assert.match(daemon.logs(), /corrupt IDM frames skipped/);
    assert.match(daemon.logs(), /malformed IDM packet dropped/);
    assert.match(daemon.logs(), /IDM protocol violation/);
    assert.match(daemon.logs(), /zone reported an exit for a workload it does not run/);
    const v = await cliJson(root, "workload", "get", "victim");
    assert.equal(v.status.exitCode ?? 0, 0, "the forged exit was ignored");
    assert.equal(
      (await runCli(root, "workload", "logs", "victim")).stdout,
      "fine\n",
      "no forged output",
    );
    const again = await runCli(
      root,
      "workload",
      "launch",
      "--zone",
      "good",
      image,
      "--",
      "sh",
      "-c",
      "echo still fine",
    );
    assert.equal(again.stdout, "still fine\n");
    assert.equal(
      (await cliJson(root, "zone", "get", "good")).status.state,
      "ZONE_STATE_READY",
    );
  } finally {
    await runCli(root, "zone", "destroy", "evil", "--wait");
    await runCli(root, "zone", "destroy", "good", "--wait");
    await storage.stop();
    await daemon.stop();
    await registry.stop();
  }
});
