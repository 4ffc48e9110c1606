import assert from "node:assert/strict";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { BootstrapSchema, ReadySchema } from "../proto/gen/protect/idm/v1/idm_pb.ts";
import { createLogger } from "../lib/log/mod.ts";
import { IdmPeer, transportPair } from "../lib/idm/mod.ts";
import { serveAgent } from "./agent.ts";
import type { System } from "./bootstrap.ts";

const quiet = createLogger("test", { level: "error", sink: () => {} });

Deno.test("agent applies bootstrap, then reports ready", async () => {
  const [hostSide, zoneSide] = transportPair();
  const applied: string[] = [];
  const system: System = {
    setHostname: (n) => Promise.resolve(void applied.push(`hostname ${n}`)),
    configureNetwork: (c) => Promise.resolve(void applied.push(`ip x${c.length}`)),
    addEntropy: (s) => Promise.resolve(void applied.push(`entropy ${s.length}`)),
    setSysctl: (n, v) => Promise.resolve(void applied.push(`sysctl ${n}=${v}`)),
  };
  const agent = serveAgent(zoneSide, system, quiet);
  const host = new IdmPeer(hostSide, { log: quiet, role: "host" });
  const ready = Promise.withResolvers<string>();
  host.onEvent("ready", (p) => ready.resolve(fromBinary(ReadySchema, p).agentVersion));
  const bootstrap = create(BootstrapSchema, {
    zoneId: "z",
    hostname: "web-1",
    randomSeed: new Uint8Array(32),
    sysctls: { "net.ipv4.ip_unprivileged_port_start": "0" },
  });
  await host.request("bootstrap", toBinary(BootstrapSchema, bootstrap));
  assert.match(await ready.promise, /^\d+\.\d+\.\d+$/);
  assert.deepEqual(applied, [
    "hostname web-1",
    "entropy 32",
    "ip x1",
    "sysctl net.ipv4.ip_unprivileged_port_start=0",
  ]);
  await assert.rejects(
    host.request(
      "bootstrap",
      toBinary(
        BootstrapSchema,
        create(BootstrapSchema, { hostname: "Bad_Name", randomSeed: new Uint8Array(32) }),
      ),
    ),
    /hostname "Bad_Name" is not a DNS label/,
  );
  await assert.rejects(
    host.request(
      "bootstrap",
      toBinary(
        BootstrapSchema,
        create(BootstrapSchema, {
          hostname: "ok",
          randomSeed: new Uint8Array(32),
          sysctls: { "kernel.x": "1\nnet.y=2" },
        }),
      ),
    ),
    /bootstrap sysctl: the value of kernel.x is over 256 characters or not one line/,
  );
  host.close();
  agent.close();
});
