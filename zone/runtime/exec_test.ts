import assert from "node:assert/strict";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import {
  ExecEventSchema,
  ExecInputSchema,
  ExecStartSchema,
} from "../../proto/gen/protect/idm/v1/idm_pb.ts";
import { createLogger } from "../../lib/log/mod.ts";
import { IdmPeer, transportPair } from "../../lib/idm/mod.ts";
import { childTerminal, runExec, workloadExecCommand, zoneExecCommand } from "./exec.ts";

Deno.test("exec -t starts the command on a terminal of the client's size", async () => {
  const [command, args] = zoneExecCommand(
    create(ExecStartSchema, { args: ["stty", "size"], tty: true, rows: 31, columns: 101 }),
  );
  const out = await new Deno.Command(command, { args, stdin: "null", stdout: "piped" }).output();
  assert.match(new TextDecoder().decode(out.stdout), /31 101/);
});

Deno.test("exec: no tty runs the command directly; absurd sizes are ignored", () => {
  assert.deepEqual(zoneExecCommand(create(ExecStartSchema, { args: ["id", "-u"] })), ["id", [
    "-u",
  ]]);
  const [, args] = workloadExecCommand(
    "crun",
    "/run/protect/crun",
    create(ExecStartSchema, { workloadId: "w", args: ["sh"], tty: true, rows: 99999, columns: 80 }),
  );
  assert.equal(args[4], "'crun' '--root' '/run/protect/crun' 'exec' '--tty' 'w' 'sh'");
});

Deno.test("exec -t: a resize mid-session reaches the command's terminal", async () => {
  const [hostSide, zoneSide] = transportPair();
  const quiet = createLogger("test", { level: "error", sink: () => {} });
  const zone = new IdmPeer(zoneSide, { log: quiet, role: "zone" });
  const host = new IdmPeer(hostSide, { log: quiet, role: "host" });
  zone.onStream("zone.exec", (stream, payload) => {
    runExec(zoneExecCommand, fromBinary(ExecStartSchema, payload), stream);
  });
  const start = create(ExecStartSchema, {
    args: ["sh", "-c", "stty size; read x; stty size"],
    tty: true,
    rows: 24,
    columns: 80,
  });
  const stream = await host.openStream("zone.exec", toBinary(ExecStartSchema, start));
  const input = (init: Parameters<typeof create<typeof ExecInputSchema>>[1]) =>
    stream.write(toBinary(ExecInputSchema, create(ExecInputSchema, init)));
  let output = "";
  const events = (async () => {
    for await (const data of stream) {
      const event = fromBinary(ExecEventSchema, data);
      output += new TextDecoder().decode(event.stdout);
      if (event.exited) return event.exitCode;
    }
  })();
  // Wait for the first size, so the resize lands while the shell waits on `read`.
  while (!output.includes("24 80")) await new Promise((r) => setTimeout(r, 20));
  await input({ rows: 40, columns: 100 });
  await input({ stdin: new TextEncoder().encode("go\n") });
  assert.equal(await events, 0);
  assert.match(output, /24 80[\s\S]*40 100/);
  host.close();
  zone.close();
});

Deno.test("exec -t: the command's terminal is found from ps output", () => {
  const ps = "  PID  PPID TT\n  10     1 ?\n  42    41 pts/7\n  43    42 pts/7\n";
  assert.equal(childTerminal(ps, 41), "/dev/pts/7");
  assert.equal(childTerminal(ps, 1), undefined); // not a pty
  assert.equal(childTerminal(ps, 99), undefined);
  // busybox's ps (in Xen zones) gives the device number: measured "136,0" for /dev/pts/0.
  const busybox = "PID   PPID  TT\n    1     0 ?\n16324 16323 136,0\n16400 16399 137,2\n";
  assert.equal(childTerminal(busybox, 16323), "/dev/pts/0");
  assert.equal(childTerminal(busybox, 16399), "/dev/pts/258");
});
