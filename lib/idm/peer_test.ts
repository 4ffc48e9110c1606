import assert from "node:assert/strict";
import { join } from "node:path";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import {
  PacketKind,
  PacketSchema,
  PingSchema,
  PongSchema,
} from "../../proto/gen/protect/idm/v1/idm_pb.ts";
import { createLogger } from "../log/mod.ts";
import { ResourceExhaustedError } from "../errors/mod.ts";
import { encodeFrame } from "./frame.ts";
import { connTransport, IdmPeer, type IdmTransport, transportPair } from "./mod.ts";

const quiet = createLogger("test", { level: "error", sink: () => {} });
const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

/** Both transports must pass the same suite: in-memory and a real Unix socket. */
const transports: Record<
  string,
  () => Promise<{ a: IdmTransport; b: IdmTransport; done(): void }>
> = {
  "in-memory": () => {
    const [a, b] = transportPair();
    return Promise.resolve({ a, b, done: () => {} });
  },
  "unix socket": async () => {
    const path = join(Deno.makeTempDirSync(), "idm.sock");
    const listener = Deno.listen({ transport: "unix", path });
    const [client, server] = await Promise.all([
      Deno.connect({ transport: "unix", path }),
      listener.accept(),
    ]);
    return { a: connTransport(client), b: connTransport(server), done: () => listener.close() };
  },
};

async function pair(kind: string, window = 4) {
  const t = await transports[kind]();
  const host = new IdmPeer(t.a, {
    log: quiet,
    role: "host",
    streamWindow: window,
    requestTimeoutMs: 500,
  });
  const zone = new IdmPeer(t.b, {
    log: quiet,
    role: "zone",
    streamWindow: window,
    requestTimeoutMs: 500,
  });
  return {
    host,
    zone,
    raw: t.b,
    close: async () => {
      host.close();
      zone.close();
      await Promise.all([host.done, zone.done]);
      t.done();
    },
  };
}

for (const kind of Object.keys(transports)) {
  Deno.test(`[${kind}] requests get responses; handler errors come back as errors`, async () => {
    const p = await pair(kind);
    try {
      p.zone.onRequest("ping", (payload) => {
        const ping = fromBinary(PingSchema, payload);
        return toBinary(PongSchema, create(PongSchema, { sequence: ping.sequence + 1n }));
      });
      p.zone.onRequest("fail", () => {
        throw new Error("no such workload");
      });
      const pong = fromBinary(
        PongSchema,
        await p.host.request("ping", toBinary(PingSchema, create(PingSchema, { sequence: 41n }))),
      );
      assert.equal(pong.sequence, 42n);
      await assert.rejects(
        p.host.request("fail", new Uint8Array()),
        /fail failed in the other side: no such workload/,
      );
      await assert.rejects(p.host.request("nope", new Uint8Array()), /no handler for nope/);
    } finally {
      await p.close();
    }
  });

  Deno.test(`[${kind}] a message over the frame limit is refused by its sender, not sent`, async () => {
    const p = await pair(kind);
    try {
      p.zone.onRequest("echo", (payload) => payload);
      await assert.rejects(
        p.host.request("echo", new Uint8Array(1 << 20)),
        (e) =>
          e instanceof ResourceExhaustedError &&
          /over the 1048576-byte frame limit/.test(e.message),
      );
      // The channel is untouched: the next message goes through.
      assert.equal((await p.host.request("echo", new Uint8Array(1000))).length, 1000);
      assert.equal(p.zone.stats.framesCorrupt, 0);
    } finally {
      await p.close();
    }
  });

  Deno.test(`[${kind}] requests time out when the other side is silent`, async () => {
    const p = await pair(kind);
    try {
      p.zone.onRequest("slow", () => new Promise(() => {}));
      await assert.rejects(
        p.host.request("slow", new Uint8Array(), 100),
        /got no answer in 100 ms/,
      );
    } finally {
      await p.close();
    }
  });

  Deno.test(`[${kind}] events arrive in order`, async () => {
    const p = await pair(kind);
    try {
      const seen: string[] = [];
      const all = Promise.withResolvers<void>();
      p.host.onEvent("log", (payload) => {
        seen.push(dec(payload));
        if (seen.length === 50) all.resolve();
      });
      for (let i = 0; i < 50; i++) await p.zone.sendEvent("log", enc(String(i)));
      await all.promise;
      assert.deepEqual(seen, Array.from({ length: 50 }, (_, i) => String(i)));
    } finally {
      await p.close();
    }
  });

  Deno.test(`[${kind}] streams: a slow reader holds the writer back, nothing is dropped`, async () => {
    const p = await pair(kind, 4);
    try {
      const received: string[] = [];
      const finished = Promise.withResolvers<void>();
      p.zone.onStream("logs", (stream) => {
        (async () => {
          for await (const chunk of stream) {
            received.push(dec(chunk));
            await new Promise((r) => setTimeout(r, 2)); // slow consumer
          }
          finished.resolve();
        })();
      });
      const stream = await p.host.openStream("logs", new Uint8Array());
      let maxAhead = 0;
      for (let i = 0; i < 100; i++) {
        await stream.write(enc(String(i)));
        maxAhead = Math.max(maxAhead, i + 1 - received.length);
      }
      await stream.close();
      await finished.promise;
      assert.equal(received.length, 100);
      assert.deepEqual(received, Array.from({ length: 100 }, (_, i) => String(i)));
      assert.ok(maxAhead <= 4 + 2, `writer stayed within the credit window (ahead ${maxAhead})`);
    } finally {
      await p.close();
    }
  });

  Deno.test(`[${kind}] big stream chunks arrive intact while their buffers are reused`, async () => {
    const p = await pair(kind, 4);
    try {
      const chunks = 64;
      const pattern = (i: number) => new Uint8Array(65_536).fill(i);
      const buffers = new Set<ArrayBufferLike>();
      const finished = Promise.withResolvers<number>();
      p.zone.onStream("bulk", (stream) => {
        (async () => {
          let i = 0;
          for await (const chunk of stream) {
            // Held across later reads now and then: what it was lent from must not be reused.
            if (i % 8 === 0) await new Promise((r) => setTimeout(r, 1));
            assert.deepEqual(chunk, pattern(i++), `chunk ${i - 1} intact`);
            buffers.add(chunk.buffer);
          }
          finished.resolve(i);
        })().catch(finished.reject);
      });
      const stream = await p.host.openStream("bulk", new Uint8Array());
      for (let i = 0; i < chunks; i++) await stream.write(pattern(i));
      await stream.close();
      assert.equal(await finished.promise, chunks);
      assert.ok(buffers.size <= 8, `${buffers.size} buffers for ${chunks} chunks: not reused`);
    } finally {
      await p.close();
    }
  });

  Deno.test(`[${kind}] garbage and malformed packets are counted; the channel keeps working`, async () => {
    const p = await pair(kind);
    try {
      p.host.onRequest("echo", (b) => b);
      await p.raw.write(enc("garbage garbage garbage"));
      await p.raw.write(encodeFrame(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x0f])));
      await p.raw.write(
        encodeFrame(
          toBinary(PacketSchema, create(PacketSchema, { kind: PacketKind.STREAM_DATA, id: 99n })),
        ),
      );
      assert.equal(dec(await p.zone.request("echo", enc("still here"))), "still here");
      assert.equal(p.host.stats.packetsMalformed, 1);
      assert.equal(p.host.stats.protocolViolations, 1);
    } finally {
      await p.close();
    }
  });

  Deno.test(`[${kind}] a peer ignoring credit is cut off, not buffered`, async () => {
    const p = await pair(kind, 2);
    try {
      const closed = Promise.withResolvers<string>();
      p.host.onStream("flood", (stream) => {
        (async () => {
          try {
            for await (const _ of stream) await new Promise(() => {}); // never finishes reading
          } catch (e) {
            closed.resolve((e as Error).message);
          }
        })();
      });
      await p.raw.write(
        encodeFrame(
          toBinary(
            PacketSchema,
            create(PacketSchema, { kind: PacketKind.STREAM_OPEN, id: 2n, type: "flood" }),
          ),
        ),
      );
      for (let i = 0; i < 10; i++) {
        await p.raw.write(
          encodeFrame(
            toBinary(
              PacketSchema,
              create(PacketSchema, {
                kind: PacketKind.STREAM_DATA,
                id: 2n,
                type: "flood",
                payload: enc("x"),
              }),
            ),
          ),
        );
      }
      await new Promise((r) => setTimeout(r, 50));
      assert.ok(p.host.stats.protocolViolations >= 1);
    } finally {
      await p.close();
    }
  });
}

Deno.test("a peer of another IDM version is told apart: one clear error, and the channel closes", async () => {
  const [a, b] = transportPair();
  const lines: string[] = [];
  const log = createLogger("test", { level: "error", sink: (l) => lines.push(l) });
  const host = new IdmPeer(a, { log, role: "host" });
  try {
    const old = encodeFrame(enc("a version 1 hello"));
    old[4] = 1; // what an agent of the previous release sends
    await b.write(old);
    await host.done;
    assert.equal(lines.length, 1, lines.join("\n"));
    assert.match(lines[0], /the other end speaks another IDM protocol version; closing/);
    assert.match(lines[0], /theirs=1 ours=2/);
    await assert.rejects(host.request("x", enc("")), /IDM channel is closed/);
  } finally {
    host.close();
    b.close();
  }
});

Deno.test("when the other side goes away, the peer lets go of its transport (no socket left open)", async () => {
  const [a, b] = transportPair();
  let closed = 0;
  const host = new IdmPeer({ ...a, close: () => (closed++, a.close()) }, {
    log: quiet,
    role: "host",
  });
  const zone = new IdmPeer(b, { log: quiet, role: "zone" });
  zone.close();
  await Promise.all([host.done, zone.done]);
  assert.equal(closed, 1, "the host's transport was closed once");
  host.close(); // and a later close() changes nothing
  assert.equal(closed, 1);
});
