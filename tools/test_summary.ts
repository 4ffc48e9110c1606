/**
 * Reads a Deno JUnit report and prints what ran: the skipped tests with their
 * reasons, then "N passed, N failed, N skipped" and, last, the plain
 * "N passed, N failed" line CI reads. Counts tests, not steps (Deno writes each
 * step as a testcase named "parent > step"; a failed step fails its parent).
 * Exits 1 when a test failed or when no test passed (none ran, or all skipped).
 * Usage: deno run --allow-read=FILE tools/test_summary.ts FILE
 */

export interface TestCase {
  file: string;
  name: string;
  outcome: "passed" | "failed" | "skipped";
}

export interface Summary {
  passed: number;
  failed: number;
  skipped: TestCase[];
}

const ENTITIES: Record<string, string> = {
  "&lt;": "<",
  "&gt;": ">",
  "&quot;": '"',
  "&apos;": "'",
  "&amp;": "&",
};
const unescape = (text: string) => text.replace(/&(lt|gt|quot|apos|amp);/g, (e) => ENTITIES[e]);

/** Every testcase of the report, steps included. */
export function parseJunit(xml: string): TestCase[] {
  const cases = xml.match(/<testcase\b[^>]*?(\/>|>[\s\S]*?<\/testcase>)/g) ?? [];
  return cases.map((c) => {
    const attribute = (key: string) =>
      unescape(c.match(new RegExp(`\\b${key}="([^"]*)"`))?.[1] ?? "");
    const outcome = /<(failure|error)\b/.test(c)
      ? "failed"
      : /<skipped\b/.test(c)
      ? "skipped"
      : "passed";
    return { file: attribute("classname"), name: attribute("name"), outcome };
  });
}

/** Tests only: a case named "X > Y" whose file also has a case named X is a step of X. */
export function summarize(cases: TestCase[]): Summary {
  const names = new Set(cases.map((c) => `${c.file}\0${c.name}`));
  const isStep = (c: TestCase) => {
    for (let i = c.name.indexOf(" > "); i >= 0; i = c.name.indexOf(" > ", i + 1)) {
      if (names.has(`${c.file}\0${c.name.slice(0, i)}`)) return true;
    }
    return false;
  };
  const tests = cases.filter((c) => !isStep(c));
  return {
    passed: tests.filter((t) => t.outcome === "passed").length,
    failed: tests.filter((t) => t.outcome === "failed").length,
    skipped: tests.filter((t) => t.outcome === "skipped"),
  };
}

/** The lines to print, and whether the run counts as a success. */
export function report(summary: Summary): { lines: string[]; ok: boolean } {
  const { passed, failed, skipped } = summary;
  const lines = skipped.length > 0 ? [`skipped (${skipped.length}):`] : [];
  for (const s of skipped) lines.push(`  ${s.file}: ${s.name}`);
  if (passed === 0) lines.push("test summary: no test passed (none ran, or every one was skipped)");
  lines.push(`${passed} passed, ${failed} failed, ${skipped.length} skipped`);
  lines.push(`${passed} passed, ${failed} failed`);
  return { lines, ok: failed === 0 && passed > 0 };
}

if (import.meta.main) {
  const path = Deno.args[0];
  let xml: string;
  try {
    xml = Deno.readTextFileSync(path);
  } catch (e) {
    console.log("0 passed, 0 failed");
    console.error(`test summary: no report at ${path}: ${(e as Error).message}`);
    Deno.exit(1);
  }
  const { lines, ok } = report(summarize(parseJunit(xml)));
  console.log(lines.join("\n"));
  Deno.exit(ok ? 0 : 1);
}
