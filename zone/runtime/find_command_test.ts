import assert from "node:assert/strict";
import { commandProblem, statInRoot } from "./find_command.ts";

Deno.test("commands are found in the image's root as Docker finds them: 127, 126, links inside the root", () => {
  const root = Deno.makeTempDirSync();
  try {
    Deno.mkdirSync(`${root}/bin`);
    Deno.mkdirSync(`${root}/usr/bin`, { recursive: true });
    Deno.writeTextFileSync(`${root}/bin/busybox`, "", { mode: 0o755 });
    Deno.symlinkSync("busybox", `${root}/bin/sh`);
    Deno.symlinkSync("/bin/busybox", `${root}/usr/bin/env`); // absolute: the image's /
    Deno.writeTextFileSync(`${root}/bin/data`, "", { mode: 0o644 });
    Deno.symlinkSync("/etc/passwd", `${root}/bin/escape`); // the host's file must not count
    const path = ["PATH=/usr/bin:/bin"];
    assert.equal(commandProblem(root, ["sh"], path, "/"), undefined);
    assert.equal(commandProblem(root, ["env"], path, "/"), undefined);
    assert.equal(commandProblem(root, ["/bin/sh"], [], "/"), undefined);
    assert.equal(commandProblem(root, ["./busybox"], [], "/bin"), undefined);
    assert.deepEqual(commandProblem(root, ["nope"], path, "/"), {
      code: 127,
      message: "nope: command not found in $PATH",
    });
    assert.equal(commandProblem(root, ["/bin/nope"], path, "/")?.code, 127);
    assert.equal(commandProblem(root, ["escape"], path, "/")?.code, 127);
    assert.deepEqual(commandProblem(root, ["data"], path, "/"), {
      code: 126,
      message: "/bin/data: permission denied (not an executable file)",
    });
    assert.equal(commandProblem(root, ["bin"], ["PATH=/"], "/")?.code, 126, "a directory");
    Deno.symlinkSync("loop", `${root}/bin/loop`);
    assert.equal(statInRoot(root, "/bin/loop"), undefined);
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});
