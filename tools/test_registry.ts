/**
 * Starts Debian's docker-registry on a loopback port with the project's busybox
 * test image pushed as test/busybox:1, prints "HOST" and runs until killed.
 * For the demo and manual testing: `deno run -A tools/test_registry.ts`.
 */
import { busyboxLayers } from "../storage/testing/busybox_image.ts";
import { pushImage, startRegistry } from "../tests/helpers/registry.ts";

const registry = await startRegistry();
await pushImage(registry.host, "test/busybox", "1", {
  layers: await busyboxLayers(),
  config: { Cmd: ["sh"], Env: ["PATH=/bin"] },
});
console.log(registry.host);
const { promise, resolve } = Promise.withResolvers<void>();
for (const s of ["SIGINT", "SIGTERM"] as const) Deno.addSignalListener(s, resolve);
await promise;
await registry.stop();
