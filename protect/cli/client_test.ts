import assert from "node:assert/strict";
import { Code, ConnectError } from "@connectrpc/connect";
import { ConnectionLostError } from "../../lib/rpc/mod.ts";
import { describeRpcError } from "./client.ts";
import { EXIT } from "./exit_codes.ts";

Deno.test("a daemon that went away mid-request: one message, exit 3", () => {
  const socket = "/run/protect/daemon.sock";
  for (const os of ["Connection reset by peer (os error 104)", "Broken pipe (os error 32)"]) {
    const lost = new ConnectError(
      "x",
      Code.Unknown,
      undefined,
      undefined,
      new ConnectionLostError(socket, new Error(os)),
    );
    const wrapped = ConnectError.from(new ConnectionLostError(socket, new Error(os)));
    for (const error of [lost, wrapped]) {
      const cli = describeRpcError(error, socket);
      assert.equal(cli.exitCode, EXIT.unreachable);
      assert.match(
        cli.message,
        /^lost protect-daemon at \/run\/protect\/daemon\.sock during the request: (Connection reset by peer|Broken pipe) \(did it stop or restart\?/,
      );
    }
  }
  // What the daemon itself answered stays a plain failure.
  const refused = describeRpcError(new ConnectError("zone x not found", Code.NotFound), socket);
  assert.equal(refused.exitCode, EXIT.failed);
  assert.equal(refused.message, "zone x not found");
});

Deno.test("a daemon socket gone or refusing at connect time (a restart): cannot reach, exit 3", () => {
  const socket = "/run/protect/daemon.sock";
  for (
    const os of [
      new Deno.errors.NotFound("No such file or directory (os error 2)"),
      new Deno.errors.ConnectionRefused("Connection refused (os error 111)"),
    ]
  ) {
    const cli = describeRpcError(ConnectError.from(os), socket);
    assert.equal(cli.exitCode, EXIT.unreachable, cli.message);
    assert.match(
      cli.message,
      /^cannot reach protect-daemon at \/run\/protect\/daemon\.sock: (No such file|Connection refused).*\(is the daemon running\?\)$/,
    );
  }
});
