/**
 * Malformed requests to every unary control RPC of a running daemon: random bytes, truncated
 * and bit-flipped messages, wrong content types, invalid UTF-8, names of 10⁴ characters, 10⁵
 * arguments, bodies over the limit. Every call gets a clear error (never internal or
 * unknown), nothing changes, and the daemon stays up with flat memory. PROTECT_FUZZ_COUNT
 * sets how many requests (default 3,000 here; `./denow task test:fuzz` sends 10⁵). Seeded:
 * PROTECT_FUZZ_SEED replays a run.
 */
import assert from "node:assert/strict";
import { create, toBinary } from "@bufbuild/protobuf";
import {
  ControlService,
  CreateWorkloadRequestSchema,
  CreateZoneRequestSchema,
} from "../proto/mod.ts";
import { startProgramProcess, tempRoot, writeDaemonConfig } from "./helpers/processes.ts";
import { http1UnaryClient } from "../lib/rpc/http1_unary.ts";

const COUNT = Number(Deno.env.get("PROTECT_FUZZ_COUNT") ?? 3000);
const SEED = Number(Deno.env.get("PROTECT_FUZZ_SEED") ?? Date.now() % 1_000_000);

/** mulberry32: a small seeded generator, so a failing run can be replayed. */
function random(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CLEAR = new Set([
  "invalid_argument",
  "not_found",
  "failed_precondition",
  "resource_exhausted",
  "unimplemented",
  "unavailable",
  "already_exists",
  "out_of_range",
]);

const enc = (text: string) => new TextEncoder().encode(text);

/** One request through protect's own HTTP/1.1 unary client (kept connections, as the CLI). */
function poster(socket: string) {
  const call = http1UnaryClient(socket);
  const post = async (method: string, type: string, body: Uint8Array) => {
    const response = await call({
      url: `http://protect.local/${ControlService.typeName}/${method}`,
      method: "POST",
      header: new Headers(type ? { "content-type": type } : {}),
      body: (async function* () {
        yield body;
      })(),
      signal: AbortSignal.timeout(10_000),
    });
    const parts: Uint8Array[] = [];
    for await (const chunk of response.body) parts.push(chunk);
    const text = new TextDecoder().decode(
      Uint8Array.from(parts.flatMap((p) => [...p])),
    );
    return { status: response.status, body: text };
  };
  return Object.assign(post, { close: () => call.close() });
}

Deno.test(`malformed requests to every control RPC (seed ${SEED})`, async () => {
  const root = tempRoot();
  writeDaemonConfig(root, '[daemon]\ndriver = "fake"\n');
  const daemon = await startProgramProcess("daemon", root);
  const rand = random(SEED);
  const post = poster(daemon.socket);
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)];
  const bytes = (n: number) => Uint8Array.from({ length: n }, () => Math.floor(rand() * 256));
  const valid = [
    toBinary(
      CreateZoneRequestSchema,
      create(CreateZoneRequestSchema, { spec: { name: "-fuzz-" } }), // invalid: one flip cannot fix both ends
    ),
    toBinary(
      CreateWorkloadRequestSchema,
      create(CreateWorkloadRequestSchema, {
        spec: { zone: "nope", image: "x", process: { args: ["sh"] } },
      }),
    ),
  ];
  const bodies: Array<() => { type: string; body: Uint8Array }> = [
    () => ({ type: "application/proto", body: bytes(Math.floor(rand() * 200)) }),
    () => {
      const v = pick(valid);
      return { type: "application/proto", body: v.subarray(0, Math.floor(rand() * v.length)) };
    },
    () => {
      const v = pick(valid).slice();
      v[Math.floor(rand() * v.length)] ^= 1 << Math.floor(rand() * 8);
      return { type: "application/proto", body: v };
    },
    () => ({ type: pick(["text/plain", "application/xml", ""]), body: bytes(20) }),
    () => ({ type: "application/json", body: bytes(30) }),
    // Invalid UTF-8 inside a string field (spec.name).
    () => ({
      type: "application/proto",
      body: new Uint8Array([0x0a, 0x06, 0x0a, 0x04, 0x66, 0xff, 0xfe, 0x67]),
    }),
    () => ({
      type: "application/json",
      body: new TextEncoder().encode(JSON.stringify({ spec: { name: "n".repeat(10_000) } })),
    }),
    () => ({
      type: "application/json",
      body: new TextEncoder().encode(JSON.stringify({
        start: true,
        spec: { zone: "z", image: "x", process: { args: Array(100_000).fill("a") } },
      })),
    }),
  ];
  const methods = ControlService.methods.filter((m) => m.methodKind === "unary");
  const rss = () =>
    Number(/VmRSS:\s+(\d+)/.exec(Deno.readTextFileSync(`/proc/${daemon.process.pid}/status`))![1]);
  try {
    let before = 0;
    let accepted = 0;
    const codes = new Map<string, number>();
    for (let i = 0; i < COUNT; i++) {
      if (i === Math.floor(COUNT / 2)) before = rss(); // the second half: warm-up is over
      const method = pick(methods);
      const { type, body } = pick(bodies)();
      const response = await post(method.name, type, body);
      const text = response.body;
      if (response.status === 200) {
        // Garbage that parsed into a valid request (it happens: protobuf is permissive).
        if (method.name === "CreateZone") accepted++;
        continue;
      }
      let code = `HTTP ${response.status}`;
      try {
        code = JSON.parse(text).code ?? code;
      } catch { /* not JSON: counted as unclear below */ }
      codes.set(code, (codes.get(code) ?? 0) + 1);
      // 415 for a content type Connect does not speak is clear too.
      assert.ok(
        CLEAR.has(code) || response.status === 415,
        `${method.name} (${type}, ${body.length} bytes): ${response.status} ${text.slice(0, 200)}`,
      );
    }
    const zones = await post("ListZones", "application/json", enc("{}"));
    assert.equal(zones.status, 200, "the daemon is up");
    const listed = JSON.parse(zones.body);
    assert.equal(
      (listed.zones ?? []).length,
      accepted,
      "no zone but those whose (garbled) request was valid",
    );
    const grown = (rss() - before) / 1024;
    console.log(
      JSON.stringify({
        requests: COUNT,
        seed: SEED,
        codes: Object.fromEntries(codes),
        secondHalfRssGrowthMiB: Number(grown.toFixed(1)),
      }),
    );
    // A guard against gross leaks only: with large bodies among the requests the daemon's RSS
    // swings with V8's collections (measured over 12,000 requests: 95-145 MiB, no trend; the
    // second half of a 3,000-request run anywhere from -10 to +42 MiB). A leak shows in the
    // long run (`task test:fuzz`, 10^5 requests), where it would pass this by far.
    assert.ok(grown < 64, `daemon RSS grew ${grown.toFixed(1)} MiB over the second half`);
  } finally {
    post.close();
    await daemon.stop();
    Deno.removeSync(root, { recursive: true });
  }
});
