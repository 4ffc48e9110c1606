/**
 * IDM over the Unix socket transport vs the raw socket, same run:
 *  - round trip: IDM request/response vs a raw 32-byte ping-pong;
 *  - stream throughput: an IDM stream (64 KiB data packets, credit flow
 *    control) vs raw writes of the same bytes, one way (target >= 0.8x):
 *    7 rounds, each raw then IDM, and the median of the per-round ratios;
 *  - the same through an echo (the other end sends every chunk back: a raw
 *    echo loop, and a zone stream handler that writes each chunk back).
 * Run: ./denow run -A bench/idm_bench.ts
 */
import { writeAll } from "../lib/bytes/mod.ts";
import { join } from "node:path";
import { createLogger } from "../lib/log/mod.ts";
import { connTransport, IdmPeer } from "../lib/idm/mod.ts";
import { median } from "./stats.ts";

const quiet = createLogger("bench", { level: "error", sink: () => {} });
const CHUNK = 64 * 1024;
const TOTAL = 512 * 1024 * 1024;
/** Each way, through the echo: the bytes cross the socket twice. */
const ECHO_TOTAL = TOTAL / 2;

async function socketPair(): Promise<[Deno.Conn, Deno.Conn, () => void]> {
  const path = join(Deno.makeTempDirSync(), "b.sock");
  const listener = Deno.listen({ transport: "unix", path });
  const [a, b] = await Promise.all([Deno.connect({ transport: "unix", path }), listener.accept()]);
  return [a, b, () => listener.close()];
}

async function rawRoundTrips(n: number): Promise<number> {
  const [a, b, done] = await socketPair();
  const buf = new Uint8Array(32);
  (async () => {
    const inbuf = new Uint8Array(32);
    while (true) {
      const got = await b.read(inbuf);
      if (got === null) return;
      await writeAll(b, inbuf.subarray(0, got));
    }
  })().catch(() => {}); // ends when the sockets close
  const start = performance.now();
  for (let i = 0; i < n; i++) {
    await writeAll(a, buf);
    let got = 0;
    while (got < 32) got += (await a.read(buf)) ?? 32;
  }
  const us = (performance.now() - start) / n * 1000;
  a.close();
  b.close();
  done();
  return us;
}

async function idmPair() {
  const [a, b, done] = await socketPair();
  const host = new IdmPeer(connTransport(a), { log: quiet, role: "host", streamWindow: 64 });
  const zone = new IdmPeer(connTransport(b), { log: quiet, role: "zone", streamWindow: 64 });
  return { host, zone, close: () => (host.close(), zone.close(), done()) };
}

async function idmRoundTrips(n: number): Promise<number> {
  const p = await idmPair();
  p.zone.onRequest("ping", (x) => x);
  const payload = new Uint8Array(32);
  const start = performance.now();
  for (let i = 0; i < n; i++) await p.host.request("ping", payload);
  const us = (performance.now() - start) / n * 1000;
  p.close();
  return us;
}

async function rawThroughput(): Promise<number> {
  const [a, b, done] = await socketPair();
  const chunk = new Uint8Array(CHUNK);
  const reader = (async () => {
    let got = 0;
    const buf = new Uint8Array(CHUNK);
    while (got < TOTAL) got += (await b.read(buf)) ?? TOTAL;
  })();
  const start = performance.now();
  for (let sent = 0; sent < TOTAL; sent += CHUNK) await writeAll(a, chunk);
  await reader;
  const mbps = TOTAL / 2 ** 20 / ((performance.now() - start) / 1000);
  a.close();
  b.close();
  done();
  return mbps;
}

async function idmThroughput(): Promise<number> {
  const p = await idmPair();
  const received = Promise.withResolvers<void>();
  p.zone.onStream("bulk", (stream) => {
    (async () => {
      let got = 0;
      for await (const c of stream) got += c.length;
      if (got === TOTAL) received.resolve();
    })();
  });
  const chunk = new Uint8Array(CHUNK);
  const start = performance.now();
  const stream = await p.host.openStream("bulk", new Uint8Array());
  for (let sent = 0; sent < TOTAL; sent += CHUNK) await stream.write(chunk);
  await stream.close();
  await received.promise;
  const mbps = TOTAL / 2 ** 20 / ((performance.now() - start) / 1000);
  p.close();
  return mbps;
}

/** Raw echo: b sends back what it reads; a counts what comes back. MiB/s each way. */
async function rawEcho(): Promise<number> {
  const [a, b, done] = await socketPair();
  (async () => {
    const buf = new Uint8Array(CHUNK);
    while (true) {
      const got = await b.read(buf);
      if (got === null) return;
      await writeAll(b, buf.subarray(0, got));
    }
  })().catch(() => {}); // ends when the sockets close
  const start = performance.now();
  const back = (async () => {
    let got = 0;
    const buf = new Uint8Array(CHUNK);
    while (got < ECHO_TOTAL) got += (await a.read(buf)) ?? ECHO_TOTAL;
  })();
  const chunk = new Uint8Array(CHUNK);
  for (let sent = 0; sent < ECHO_TOTAL; sent += CHUNK) await writeAll(a, chunk);
  await back;
  const mbps = ECHO_TOTAL / 2 ** 20 / ((performance.now() - start) / 1000);
  a.close();
  b.close();
  done();
  return mbps;
}

/** IDM echo: the zone's handler writes each chunk back on the same stream. */
async function idmEcho(): Promise<number> {
  const p = await idmPair();
  p.zone.onStream("echo", (stream) => {
    (async () => {
      for await (const c of stream) await stream.write(c);
    })().catch(() => {}); // ends when the channel closes
  });
  const start = performance.now();
  const stream = await p.host.openStream("echo", new Uint8Array());
  const back = (async () => {
    let got = 0;
    for await (const c of stream) if ((got += c.length) >= ECHO_TOTAL) return;
  })();
  const chunk = new Uint8Array(CHUNK);
  for (let sent = 0; sent < ECHO_TOTAL; sent += CHUNK) await stream.write(chunk);
  await back;
  const mbps = ECHO_TOTAL / 2 ** 20 / ((performance.now() - start) / 1000);
  p.close();
  return mbps;
}

/** Median of 7 paired rounds (reference then IDM) after one warm-up of each. */
async function paired(reference: () => Promise<number>, idm: () => Promise<number>) {
  const r = { raw: [] as number[], idm: [] as number[], ratio: [] as number[] };
  await reference();
  await idm();
  for (let i = 0; i < 7; i++) {
    r.raw.push(await reference());
    r.idm.push(await idm());
    r.ratio.push(r.idm[i] / r.raw[i]);
  }
  return { raw: median(r.raw), idm: median(r.idm), ratio: median(r.ratio) };
}

// Round trips first, then throughput: each phase warmed up, its rounds interleaved
// with its reference, and the throughput ratio taken per round (paired), since
// this machine's speed drifts between rounds.
const rtt = { raw: [] as number[], idm: [] as number[] };
await rawRoundTrips(500);
await idmRoundTrips(500);
for (let i = 0; i < 3; i++) {
  rtt.raw.push(await rawRoundTrips(3000));
  rtt.idm.push(await idmRoundTrips(3000));
}
const tput = await paired(rawThroughput, idmThroughput);
const echo = await paired(rawEcho, idmEcho);
const [rr, ri] = [median(rtt.raw), median(rtt.idm)];
console.log(
  `round trip: raw ${rr.toFixed(0)} µs, IDM request ${ri.toFixed(0)} µs (${(ri / rr).toFixed(2)}x)`,
);
for (const [name, m] of [["stream throughput", tput], ["through an echo", echo]] as const) {
  console.log(
    `${name}: raw ${m.raw.toFixed(0)} MiB/s, IDM ${m.idm.toFixed(0)} MiB/s, ratio ${
      m.ratio.toFixed(2)
    }x (median of 7 paired rounds; target >= 0.8x)`,
  );
}
