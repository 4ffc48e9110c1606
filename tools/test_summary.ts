/**
 * Prints "N passed, N failed" from a Deno JUnit report; exits 1 when any test
 * failed or none ran. Deno writes each test and each step as a testcase; both count.
 */
const path = Deno.args[0];
let xml: string;
try {
  xml = Deno.readTextFileSync(path);
} catch (e) {
  console.log("0 passed, 0 failed");
  console.error(`test summary: no report at ${path}: ${(e as Error).message}`);
  Deno.exit(1);
}
const cases = xml.match(/<testcase\b[^>]*?(\/>|>[\s\S]*?<\/testcase>)/g) ?? [];
const failed = cases.filter((c) => /<(failure|error)\b/.test(c)).length;
const passed = cases.length - failed;
console.log(`${passed} passed, ${failed} failed`);
if (cases.length === 0) console.error("test summary: no test ran");
Deno.exit(failed > 0 || cases.length === 0 ? 1 : 0);
