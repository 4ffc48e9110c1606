import assert from "node:assert/strict";
import { render, renderTable } from "./output.ts";

const columns = [
  { header: "NAME", cell: (r: { n: string; s: string }) => r.n },
  { header: "STATE", cell: (r: { n: string; s: string }) => r.s },
];
const rows = [{ n: "alpha", s: "READY" }, { n: "b", s: "" }];

Deno.test("tables pad columns to the widest cell and trim line ends", () => {
  assert.equal(renderTable(rows, columns), "NAME   STATE\nalpha  READY\nb");
});

Deno.test("json, jsonl and yaml render the JSON form", async () => {
  assert.equal(
    await render("jsonl", rows, (r) => ({ name: r.n }), columns),
    '{"name":"alpha"}\n{"name":"b"}',
  );
  assert.equal(await render("json", rows.slice(0, 1), (r) => r.n, columns, false), '"alpha"');
  assert.equal(
    await render("yaml", rows, (r) => ({ name: r.n }), columns),
    "- name: alpha\n- name: b",
  );
});
