import assert from "node:assert/strict";
import { parseJunit, report, summarize } from "./test_summary.ts";

const junit = (cases: string) =>
  `<?xml version="1.0"?><testsuites><testsuite name="f">${cases}</testsuite></testsuites>`;
const ok = (name: string, file = "./a_test.ts") =>
  `<testcase name="${name}" classname="${file}" time="0.1">\n</testcase>`;
const failed = (name: string) =>
  `<testcase name="${name}" classname="./a_test.ts"><failure message="x">boom</failure></testcase>`;
const skipped = (name: string) =>
  `<testcase name="${name}" classname="./a_test.ts"><skipped/></testcase>`;

Deno.test("test summary counts tests, not steps; a name that only contains ' > ' is a test", () => {
  const s = summarize(parseJunit(junit(
    ok("parent") + ok("parent &gt; one") + ok("parent &gt; two") + ok("a -&gt; b") +
      ok("x &gt; y") + ok("parent", "./b_test.ts"),
  )));
  assert.deepEqual({ passed: s.passed, failed: s.failed }, { passed: 4, failed: 0 });
});

Deno.test("test summary: skipped tests are not passes and are named with their reason", () => {
  const s = summarize(parseJunit(junit(
    ok("a") + failed("b") + skipped("c [skipped: needs root]"),
  )));
  assert.equal(s.passed, 1);
  assert.equal(s.failed, 1);
  assert.deepEqual(s.skipped.map((t) => t.name), ["c [skipped: needs root]"]);
  const { lines, ok: success } = report(s);
  assert.equal(success, false);
  assert.deepEqual(lines, [
    "skipped (1):",
    "  ./a_test.ts: c [skipped: needs root]",
    "1 passed, 1 failed, 1 skipped",
    "1 passed, 1 failed",
  ]);
});

Deno.test("test summary fails a run with no test, or with every test skipped", () => {
  assert.equal(report(summarize(parseJunit(junit("")))).ok, false);
  const allSkipped = report(summarize(parseJunit(junit(skipped("a") + skipped("b")))));
  assert.equal(allSkipped.ok, false);
  assert.equal(allSkipped.lines.at(-1), "0 passed, 0 failed");
  assert.equal(report(summarize(parseJunit(junit(ok("a"))))).ok, true);
});
