import assert from "node:assert/strict";
import { CriLogLines, MAX_LINE_BYTES, rfc3339Nano } from "./cri_log_lines.ts";

const at = new Date("2026-12-04T21:00:00.123Z");
const text = (lines: Uint8Array[]) => lines.map((l) => new TextDecoder().decode(l)).join("");
const bytes = (s: string) => new TextEncoder().encode(s);

Deno.test("timestamps carry nanoseconds", () => {
  assert.equal(rfc3339Nano(at), "2026-12-04T21:00:00.123000000Z");
  assert.equal(rfc3339Nano(at, 456), "2026-12-04T21:00:00.123000456Z");
});

Deno.test("full lines are F; an open line waits for its newline, or is P at the end", () => {
  const lines = new CriLogLines("stdout", () => at);
  const t = "2026-12-04T21:00:00.123000000Z";
  assert.equal(text(lines.push(bytes("one\ntw"))), `${t} stdout F one\n`);
  assert.equal(text(lines.push(bytes("o\n\nthree"))), `${t} stdout F two\n${t} stdout F \n`);
  assert.equal(text(lines.end()), `${t} stdout P three\n`);
  assert.deepEqual(lines.end(), []);
});

Deno.test("a line longer than the limit is split into P lines, then F", () => {
  const lines = new CriLogLines("stderr", () => at);
  const out = text(lines.push(bytes("x".repeat(MAX_LINE_BYTES * 2 + 5) + "\n"))).split("\n");
  assert.equal(out.length, 4);
  assert.match(out[0], / stderr P x{16384}$/);
  assert.match(out[1], / stderr P x{16384}$/);
  assert.match(out[2], / stderr F x{5}$/);
});
