import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { WorkloadProcessSchema } from "../../proto/mod.ts";
import { InvalidArgumentError } from "../../lib/errors/mod.ts";
import { validateProcess } from "./workload_process.ts";

const process = (init: Parameters<typeof create<typeof WorkloadProcessSchema>>[1]) =>
  create(WorkloadProcessSchema, init);

Deno.test("process fields runc would choke on are refused at the API, naming the field", () => {
  validateProcess(process({
    args: ["sh", "-c", "echo hi"],
    env: ["PATH=/bin", "a.b-c=", "X=1=2"],
    workingDirectory: "/srv",
    user: "1000:100",
  }));
  validateProcess(process({ user: "nobody:nogroup" }));
  const refused = (init: Parameters<typeof process>[0], message: RegExp) =>
    assert.throws(
      () => validateProcess(process(init)),
      (e) => e instanceof InvalidArgumentError && message.test(e.message),
    );
  refused({ args: ["sh", "a\0b"] }, /spec\.process\.args\[1\]: holds a NUL byte/);
  refused({ env: ["A=x\0y"] }, /spec\.process\.env\[0\]: holds a NUL byte/);
  refused({ env: ["NOVALUE"] }, /spec\.process\.env\[0\]: "NOVALUE" is not NAME=value/);
  refused({ env: ["=x"] }, /spec\.process\.env\[0\]/);
  refused({ env: [`BIG=${"x".repeat(1 << 20)}`] }, /spec\.process: .* at most 262144 in all/);
  refused(
    { workingDirectory: "srv" },
    /spec\.process\.working_directory: "srv" is not an absolute path/,
  );
  refused({ user: String(2 ** 32) }, /spec\.process\.user: "4294967296" is not user\[:group\]/);
  refused({ user: "0:0:0" }, /spec\.process\.user/);
  refused({ user: "a b" }, /spec\.process\.user/);
});
