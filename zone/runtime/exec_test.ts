import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { ExecStartSchema } from "../../proto/gen/protect/idm/v1/idm_pb.ts";
import { workloadExecCommand, zoneExecCommand } from "./exec.ts";

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
