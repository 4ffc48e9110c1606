/**
 * A WatchEvents client that stops reading must not make the daemon hold more and more: the
 * daemon's queue for it is bounded (1024 events), then the watch is ended with
 * ResourceExhausted. Measured on the real daemon process: its resident memory while ~4,000
 * events go by a stalled watcher.
 */
import assert from "node:assert/strict";
import { createClient } from "@connectrpc/connect";
import { ControlService, ZoneState } from "../proto/mod.ts";
import { createUnixTransport } from "../lib/rpc/mod.ts";
import { rssMiB, startProgramProcess, tempRoot, writeDaemonConfig } from "./helpers/processes.ts";

/** Opens WatchEvents as Connect-over-HTTP/1.1 (JSON) on a raw socket, and reads nothing. */
async function stalledWatch(socket: string): Promise<Deno.UnixConn> {
  const conn = await Deno.connect({ transport: "unix", path: socket });
  // One enveloped message: flags 0, length 2, "{}".
  const body = new Uint8Array([0, 0, 0, 0, 2, 0x7b, 0x7d]);
  const head = "POST /protect.control.v1.ControlService/WatchEvents HTTP/1.1\r\n" +
    "Host: protect.local\r\nContent-Type: application/connect+json\r\n" +
    `Connect-Protocol-Version: 1\r\nContent-Length: ${body.length}\r\n\r\n`;
  await conn.write(new Uint8Array([...new TextEncoder().encode(head), ...body]));
  return conn;
}

Deno.test("a watcher that stops reading is cut off at its bound; the daemon's memory stays bounded", async () => {
  const root = tempRoot();
  writeDaemonConfig(root, '[daemon]\ndriver = "fake"\n[fake]\nboot_delay_ms = 0\n');
  const daemon = await startProgramProcess("daemon", root);
  const client = createClient(ControlService, createUnixTransport(daemon.socket));
  let stalled: Deno.UnixConn | undefined;
  try {
    const cycle = async (i: number) => {
      const { zoneId } = await client.createZone({ spec: { name: `w${i}` } });
      while ((await client.getZone({ zoneId })).zone?.status?.state !== ZoneState.READY) {
        await new Promise((r) => setTimeout(r, 2));
      }
      await client.destroyZone({ zoneId });
    };
    // Warm up first, so what is measured is not the daemon's first use.
    for (let i = 0; i < 100; i++) await cycle(i);
    const before = rssMiB(daemon.process.pid);
    stalled = await stalledWatch(daemon.socket);
    for (let i = 100; i < 1100; i++) await cycle(i);
    const after = rssMiB(daemon.process.pid);
    console.log(`daemon RSS ${before.toFixed(1)} MiB before, ${after.toFixed(1)} MiB after`);
    assert.ok(after - before < 40, `the daemon grew ${(after - before).toFixed(1)} MiB`);
    // Reading now: what the socket held, then the end of the stream with the reason.
    const chunks: Uint8Array[] = [];
    const buf = new Uint8Array(1 << 16);
    const deadline = setTimeout(() => stalled?.close(), 20_000);
    let text = "";
    for (let n; (n = await stalled.read(buf).catch(() => null)) !== null;) {
      chunks.push(buf.slice(0, n));
      text = new TextDecoder().decode(chunks.at(-1));
      if (/fell more than 1024 events behind/.test(text)) break;
    }
    clearTimeout(deadline);
    const all = new TextDecoder().decode(new Uint8Array(chunks.flatMap((c) => [...c])));
    assert.match(all, /"code":"resource_exhausted"/);
    assert.match(all, /fell more than 1024 events behind and was disconnected; watch again/);
    const events = all.match(/"zoneChanged"/g)?.length ?? 0;
    console.log(`the stalled watcher got ${events} events, then the error`);
    assert.ok(events < 5000, `all ${events} events were kept for the stalled watcher`);
    // The daemon serves on.
    assert.equal((await client.listZones({})).zones.length, 0);
  } finally {
    try {
      stalled?.close();
    } catch { /* closed */ }
    await daemon.stop();
  }
});
