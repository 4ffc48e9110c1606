import assert from "node:assert/strict";
import { parseAgentFlags } from "./agent_flags.ts";

Deno.test("agent flags: both spellings, defaults, --xen", () => {
  assert.deepEqual(parseAgentFlags(["--idm-socket", "/s", "--work-dir=/w", "--zone-id", "z"]), {
    idmSocket: "/s",
    xen: false,
    zoneId: "z",
    logFile: undefined,
    workDir: "/w",
    runtime: "runc",
  });
  const xen = parseAgentFlags(["--xen", "--runtime", "crun"]);
  assert.equal(xen.xen, true);
  assert.equal(xen.runtime, "crun");
});

Deno.test("agent flags: each mistake is named", () => {
  const bad: Array<[string[], RegExp]> = [
    [["--xen", "--bogus"], /unknown flag --bogus/],
    [["--xen", "extra"], /unexpected argument "extra"/],
    [["--xen", "--work-dir"], /--work-dir needs a value/],
    [["--xen", "--runtime", "youki"], /--runtime must be runc or crun/],
    [[], /--idm-socket PATH or --xen is required/],
  ];
  for (const [args, why] of bad) assert.throws(() => parseAgentFlags(args), why);
});
