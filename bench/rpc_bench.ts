/**
 * RPC and CLI start-up costs, each as a ratio against a reference measured in
 * the same run:
 *  1. unary GetZone over the daemon's Unix socket vs the same handler through
 *     an in-memory transport (target <= 3x);
 *  2. cold start of the bundled CLI running `host status` against a live
 *     daemon vs `deno run` of an empty script (target <= 1.5x).
 * Run: ./denow task bench   (builds dist/protect first if missing)
 */
import { join } from "node:path";
import { createClient } from "@connectrpc/connect";
import { ControlService } from "../proto/mod.ts";
import { createUnixTransport, errorInterceptor, serveUnix } from "../lib/rpc/mod.ts";
import { createHarness } from "../daemon/testing/harness.ts";
import { REPO, startDaemonProcess, tempRoot } from "../tests/helpers/processes.ts";
import { permissionFlags, readPermissionSet } from "../lib/permissions/mod.ts";
import { interleaved, median, timeOnce } from "./stats.ts";

async function unaryRpc(): Promise<void> {
  const h = createHarness(0);
  const path = join(Deno.makeTempDirSync(), "bench.sock");
  const server = await serveUnix({ path, routes: h.routes, interceptors: [errorInterceptor()] });
  const transport = createUnixTransport(path);
  const overSocket = createClient(ControlService, transport);
  try {
    const { zoneId } = await h.client.createZone({ spec: { name: "bench" } });
    await h.reconciler.idle();
    const socketCall = () => overSocket.getZone({ zoneId });
    const memoryCall = () => h.client.getZone({ zoneId });
    await interleaved(2, 200, socketCall, memoryCall); // warm-up
    const r = await interleaved(10, 300, socketCall, memoryCall);
    const socketUs = median(r.candidate) * 1000;
    const memoryUs = median(r.reference) * 1000;
    console.log(
      `unary GetZone: unix socket ${socketUs.toFixed(0)} µs, in-memory ${
        memoryUs.toFixed(0)
      } µs, ` +
        `ratio ${(socketUs / memoryUs).toFixed(2)}x (target <= 3x)`,
    );
  } finally {
    transport.close();
    await server.close();
    await h.close();
  }
}

async function cliColdStart(): Promise<void> {
  const bundle = join(REPO, "dist/protect.js");
  try {
    Deno.statSync(bundle);
  } catch {
    const built = await new Deno.Command("bash", { args: [join(REPO, "tools/bundle.sh")] })
      .output();
    if (!built.success) throw new Error(new TextDecoder().decode(built.stderr));
  }
  const root = tempRoot();
  const daemon = await startDaemonProcess(root);
  const empty = join(Deno.makeTempDirSync(), "empty.ts");
  Deno.writeTextFileSync(empty, "");
  const cliFlags = permissionFlags(readPermissionSet(join(REPO, "deno.json"), "cli"), root);
  const run = (args: string[]) => async () => {
    const out = await new Deno.Command(Deno.execPath(), { args, stdout: "null", stderr: "piped" })
      .output();
    if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
  };
  const cli = run(["run", "--quiet", ...cliFlags, bundle, "--root", root, "host", "status"]);
  const baseline = run(["run", "--quiet", empty]);
  try {
    await cli();
    await baseline();
    const cliMs: number[] = [];
    const baseMs: number[] = [];
    for (let i = 0; i < 10; i++) {
      cliMs.push(await timeOnce(cli));
      baseMs.push(await timeOnce(baseline));
    }
    const c = median(cliMs);
    const b = median(baseMs);
    console.log(
      `CLI cold start: bundled 'protect host status' ${c.toFixed(0)} ms, empty deno run ` +
        `${b.toFixed(0)} ms, ratio ${(c / b).toFixed(2)}x (target <= 1.5x)`,
    );
  } finally {
    await daemon.stop();
  }
}

await unaryRpc();
await cliColdStart();
