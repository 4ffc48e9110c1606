import assert from "node:assert/strict";
import { join } from "node:path";
import { InvalidArgumentError } from "../../lib/errors/mod.ts";
import {
  DEFAULT_ORCHESTRATOR_TOML,
  loadOrchestratorConfig,
  parseMetricsAddress,
} from "./orchestrator_config.ts";

Deno.test("metrics.address: loopback host:port or nothing; anything else refused with the reason", () => {
  assert.equal(parseMetricsAddress(""), undefined);
  assert.deepEqual(parseMetricsAddress("127.0.0.1:9464"), { hostname: "127.0.0.1", port: 9464 });
  assert.deepEqual(parseMetricsAddress("[::1]:9464"), { hostname: "::1", port: 9464 });
  const refused = (value: unknown, reason: RegExp) =>
    assert.throws(
      () => parseMetricsAddress(value),
      (e) =>
        e instanceof InvalidArgumentError && /metrics\.address/.test(e.message) &&
        reason.test(e.message),
    );
  refused("0.0.0.0:9464", /not a loopback address/);
  refused("10.0.0.1:80", /not a loopback address/);
  refused("127.0.0.1", /not host:port/);
  refused("127.0.0.1:70000", /port must be/);
  refused(9464, /must be a string/);
});

Deno.test("orchestrator.toml: written with defaults on first start; an unknown key is refused", () => {
  const dir = Deno.makeTempDirSync();
  try {
    const path = join(dir, "orchestrator.toml");
    assert.deepEqual(loadOrchestratorConfig(path), {
      logLevel: "info",
      socketGroup: "protect",
      metricsAddress: undefined,
      resources: { intervalMs: 1000, reserveMib: 256 },
      declared: { intervalMs: 2000, bootTimeoutMs: 300_000 },
      pool: [],
    });
    assert.match(Deno.readTextFileSync(path), /address = ""/);
    Deno.writeTextFileSync(path, '[metrics]\nadress = "127.0.0.1:1"\n');
    assert.throws(
      () => loadOrchestratorConfig(path),
      /metrics\.adress: is not a setting \(known here: address\)/,
    );
    // [[pool]] tables: the documented example, uncommented, is a valid shape.
    const example = DEFAULT_ORCHESTRATOR_TOML.split("\n# [[pool]]")[1].split("\n#\n")[0]
      .replace(/^# /gm, "");
    Deno.writeTextFileSync(path, `[[pool]]${example}`);
    const [shape] = loadOrchestratorConfig(path).pool;
    assert.equal(shape.name, "default");
    assert.equal(shape.size, 1);
    Deno.writeTextFileSync(path, '[[pool]]\nname = "a"\nsise = 2\n');
    assert.throws(() => loadOrchestratorConfig(path), /pool\[0\]\.sise: is not a setting here/);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
