import assert from "node:assert/strict";
import { createLogger, parseLogLevel } from "./mod.ts";

const fixed = () => new Date("2026-01-02T03:04:05.000Z");

Deno.test("logger writes component, level, message and quoted fields", () => {
  const lines: string[] = [];
  const log = createLogger("daemon", { sink: (l) => lines.push(l), now: fixed });
  log.with({ zone: "a" }).info("zone ready", { took_ms: 12, reason: "two words" });
  assert.deepEqual(lines, [
    '2026-01-02T03:04:05.000Z INFO daemon: zone ready zone=a took_ms=12 reason="two words"',
  ]);
});

Deno.test("logger drops lines below its level", () => {
  const lines: string[] = [];
  const log = createLogger("x", { level: "warn", sink: (l) => lines.push(l), now: fixed });
  log.info("hidden");
  log.error("shown");
  assert.equal(lines.length, 1);
  assert.match(lines[0], /ERROR x: shown/);
});

Deno.test("parseLogLevel accepts only known levels", () => {
  assert.equal(parseLogLevel("debug"), "debug");
  assert.equal(parseLogLevel("loud"), undefined);
});

Deno.test("bigints and unserialisable values never make logging throw", () => {
  const lines: string[] = [];
  const log = createLogger("x", { sink: (l) => lines.push(l), now: fixed });
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  log.info("m", { id: 5n, nested: { n: 1n }, cyclic });
  assert.equal(
    lines[0],
    `2026-01-02T03:04:05.000Z INFO x: m id=5 nested=${
      JSON.stringify('{"n":"1"}')
    } cyclic="[object Object]"`,
  );
});
