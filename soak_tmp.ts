import { createClient } from "@connectrpc/connect";
import { ControlService, ZoneState } from "./proto/mod.ts";
import { createUnixTransport } from "./lib/rpc/mod.ts";
import { startProgramProcess, tempRoot, writeDaemonConfig } from "./tests/helpers/processes.ts";
const cycles = Number(Deno.args[0] ?? 600);
const root = tempRoot();
writeDaemonConfig(root, '[daemon]\ndriver = "fake"\n[fake]\nboot_delay_ms = 0\n');
const daemon = await startProgramProcess("daemon", root);
const client = createClient(ControlService, createUnixTransport(daemon.socket));
const rss = () => { const s = Deno.readTextFileSync(`/proc/${daemon.process.pid}/status`); return `${(Number(/RssAnon:\s+(\d+)/.exec(s)![1])/1024).toFixed(1)}`; };
async function until(zoneId: string, states: ZoneState[]) {
  for await (const e of client.watchEvents({})) {
    const z = e.event.case === "zoneChanged" ? e.event.value : undefined;
    if (z?.id === zoneId && states.includes(z.status!.state)) return z;
  }
}
const out = [rss()];
for (let i = 1; i <= cycles; i++) {
  const { zoneId } = await client.createZone({ spec: { name: `s${i}` } });
  await until(zoneId, [ZoneState.READY, ZoneState.FAILED]);
  await client.destroyZone({ zoneId });
  await until(zoneId, [ZoneState.DESTROYED]);
  if (i % 100 === 0) out.push(rss());
}
console.log("fake driver anon MiB every 100 cycles:", out.join(" "));
await daemon.stop();
