/**
 * The `deno run` flags every protect program runs with, besides its permission set (one list,
 * used by tools/launch.ts, the bundled launchers and the tests' program starter):
 * - `--unstable-no-legacy-abort`: a request's signal fires when its client goes away, not
 *   on every response.
 * - `--max-semi-space-size=2` (MiB): V8 grows its young generation up to 3 × 16 MiB under a
 *   steady stream of short-lived objects (every RPC makes some) and keeps it. Measured on the
 *   daemon's core over a Unix socket, 1000 zone create/destroy cycles: the heap in use stayed
 *   at 12 MiB, but the heap V8 held grew 16 → 65 MiB and the process's private memory
 *   26 → 95 MiB; with the cap, 18 MiB and 50 MiB, and the cycles ran as fast (4.3–4.4 s
 *   against 4.6 s; 1 MiB was 4–7 % slower).
 */
export const RUN_FLAGS: readonly string[] = [
  "--unstable-no-legacy-abort",
  "--v8-flags=--max-semi-space-size=2",
];
