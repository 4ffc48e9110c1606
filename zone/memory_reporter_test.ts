import assert from "node:assert/strict";
import { meaningfulChange, parsePressure } from "./memory_reporter.ts";

const MiB = 1024n * 1024n;
const figures = (availableMib: bigint, some = 0) => ({
  memoryTotalBytes: 1024n * MiB,
  memoryAvailableBytes: availableMib * MiB,
  pressureSomeAvg10: some,
  pressureFullAvg10: 0,
});

Deno.test("parsePressure reads avg10 of some and full", () => {
  const text = "some avg10=12.50 avg60=3.00 avg300=1.00 total=123\n" +
    "full avg10=0.75 avg60=0.10 avg300=0.00 total=45\n";
  assert.deepEqual(parsePressure(text), { some: 12.5, full: 0.75 });
  assert.deepEqual(parsePressure(""), { some: 0, full: 0 });
});

Deno.test("meaningfulChange: 5 % of the total (at least 16 MiB), pressure, or 30 s", () => {
  const last = { figures: figures(600n), atMs: 0 };
  assert.equal(meaningfulChange(undefined, figures(600n), 0), true, "the first is always sent");
  assert.equal(meaningfulChange(last, figures(560n), 1_000), false, "40 MiB of 1 GiB: noise");
  assert.equal(meaningfulChange(last, figures(540n), 1_000), true, "60 MiB: > 5 %");
  assert.equal(meaningfulChange(last, figures(600n, 0.5), 1_000), true, "pressure appeared");
  assert.equal(meaningfulChange(last, figures(600n), 30_000), true, "a heartbeat");
});
