import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { ZoneSpecSchema } from "../../../proto/mod.ts";
import { memoryFitProblem } from "./memory_fit.ts";

Deno.test("memoryFitProblem: the target and Xen's margin must fit in the free memory", () => {
  const spec = create(ZoneSpecSchema, { name: "a", resources: { targetMemoryMib: 256n } });
  assert.equal(memoryFitProblem(spec, 264n << 20n), undefined);
  assert.match(
    memoryFitProblem(spec, 200n << 20n)!,
    /needs 264 MiB to boot .* Xen has 200 MiB free/,
  );
});
