/**
 * A test that cannot run here is skipped, never passed: `skipIf` gives the
 * Deno.test options that ignore it and put the reason in its name, where
 * tools/test_summary.ts lists it.
 *   Deno.test({ ...skipIf(Deno.uid() !== 0 && "needs root", "what it proves"), fn })
 */
export function skipIf(
  reason: string | false | undefined,
  name: string,
): { name: string; ignore: boolean } {
  return reason ? { name: `${name} [skipped: ${reason}]`, ignore: true } : { name, ignore: false };
}
