import assert from "node:assert/strict";
import { prometheusText } from "./prometheus_text.ts";

Deno.test("prometheusText: HELP and TYPE once per family, labels escaped, special values", () => {
  const text = prometheusText([
    {
      name: "protect_x",
      help: 'a "help"\\ with\nnewline',
      type: "gauge",
      samples: [
        { labels: { zone: 'a"b\\c\nd' }, value: 1.5 },
        { labels: {}, value: Infinity },
      ],
    },
    {
      name: "protect_h_seconds",
      help: "h",
      type: "histogram",
      samples: [
        { name: "protect_h_seconds_bucket", labels: { le: "+Inf" }, value: 2 },
        { name: "protect_h_seconds_count", labels: {}, value: 2 },
      ],
    },
  ]);
  assert.equal(
    text,
    [
      '# HELP protect_x a "help"\\\\ with\\nnewline',
      "# TYPE protect_x gauge",
      'protect_x{zone="a\\"b\\\\c\\nd"} 1.5',
      "protect_x +Inf",
      "# HELP protect_h_seconds h",
      "# TYPE protect_h_seconds histogram",
      'protect_h_seconds_bucket{le="+Inf"} 2',
      "protect_h_seconds_count 2",
      "",
    ].join("\n"),
  );
});

Deno.test("prometheusText: a bad metric or label name throws", () => {
  assert.throws(
    () => prometheusText([{ name: "1bad", help: "", type: "gauge", samples: [] }]),
    /bad metric name/,
  );
  assert.throws(
    () =>
      prometheusText([{
        name: "ok",
        help: "",
        type: "gauge",
        samples: [{ labels: { "bad-label": "x" }, value: 1 }],
      }]),
    /bad label name/,
  );
});
