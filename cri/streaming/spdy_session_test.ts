import assert from "node:assert/strict";
import * as net from "node:net";
import { SpdySession, type SpdyStream } from "./spdy_session.ts";
import { decodeHeaders, FrameReader, FrameType } from "./spdy_frames.ts";
import { HeaderInflater } from "./spdy_headers.ts";

/** Two SYN_STREAMs as another SPDY implementation sent them: Python's zlib with the
 * dictionary, headers {streamtype: error} then {streamtype: stdout} (one zlib context). */
const RECORDED =
  "80030001000000280000000100000000000078bbe3c6a7c202a62346703a2b294a4dcc851625aca9a080060000" +
  "00ffff800300010000001900000003000000000000c22a054ccc29f9a52500000000ffff";
const hex = (s: string) => new Uint8Array(s.match(/../g)!.map((b) => parseInt(b, 16)));

/** A server session on a Unix socket; `client` gets the raw client socket. */
async function pair(onStream: (s: SpdyStream) => void) {
  const path = `${Deno.makeTempDirSync()}/s.sock`;
  let server!: SpdySession;
  const listener = net.createServer((socket) => server = new SpdySession(socket, true, onStream));
  await new Promise<void>((r) => listener.listen(path, r));
  const socket = net.connect(path);
  await new Promise<void>((r) => socket.once("connect", () => r()));
  return {
    socket,
    server: () => server,
    close: () => {
      socket.destroy();
      listener.close();
    },
  };
}

Deno.test("recorded SYN_STREAMs from another zlib are read; each gets a SYN_REPLY", async () => {
  const seen: string[] = [];
  const p = await pair((s) => seen.push(s.headers.get("streamtype")!));
  const reader = new FrameReader();
  const inflater = new HeaderInflater();
  const replies: number[] = [];
  const got = new Promise<void>((resolve) => {
    p.socket.on("data", async (chunk: Uint8Array) => {
      for (const f of reader.push(chunk)) {
        if (f.control && f.type === FrameType.SYN_REPLY) {
          replies.push(new DataView(f.data.buffer).getUint32(0));
          assert.deepEqual([...decodeHeaders(await inflater.run(f.data.subarray(4)))], []);
          if (replies.length === 2) resolve();
        }
      }
    });
  });
  p.socket.write(hex(RECORDED));
  await got;
  assert.deepEqual(seen, ["error", "stdout"]);
  assert.deepEqual(replies, [1, 3]);
  inflater.close();
  p.close();
});

Deno.test("streams carry data both ways past the 64 KiB windows, and end with FIN", async () => {
  const p = await pair(async (s) => {
    let total = 0;
    for await (const chunk of s) total += chunk.length;
    await s.write(new Uint8Array(300_000).fill(7));
    await s.write(new TextEncoder().encode(`got ${total}`));
    s.close();
  });
  const client = new SpdySession(p.socket, false);
  const stream = await client.openStream({ streamtype: "stdin" });
  assert.equal(stream.id, 1);
  await stream.write(new Uint8Array(200_000).fill(1));
  stream.close();
  const back: Uint8Array[] = [];
  for await (const chunk of stream) back.push(chunk);
  const all = new Uint8Array(back.reduce((n, c) => n + c.length, 0));
  back.reduce((at, c) => (all.set(c, at), at + c.length), 0);
  assert.equal(all.length, 300_000 + "got 200000".length);
  assert.equal(new TextDecoder().decode(all.subarray(300_000)), "got 200000");
  client.close();
  p.close();
});

Deno.test("garbage ends the session instead of throwing", async () => {
  const p = await pair(() => {});
  const closed = new Promise<void>((r) => p.socket.on("close", () => r()));
  p.socket.resume(); // read to the end, where the server hung up
  p.socket.write(new Uint8Array([0x80, 0x02, 0, 1, 0, 0, 0, 0])); // SPDY/2
  await closed;
  await p.server().closed;
  p.close();
});
