import assert from "node:assert/strict";
import { join } from "node:path";
import { integer, loadOrCreateToml, oneOf, table } from "./mod.ts";

Deno.test("loadOrCreateToml writes the defaults on first use, then reads the file", () => {
  const dir = Deno.makeTempDirSync();
  const path = join(dir, "etc", "x.toml");
  // smol-toml returns null-prototype tables; compare as plain data.
  const plain = (v: unknown) => JSON.parse(JSON.stringify(v));
  assert.deepEqual(plain(loadOrCreateToml(path, "[a]\nb = 1\n")), { a: { b: 1 } });
  assert.equal(Deno.readTextFileSync(path), "[a]\nb = 1\n");
  Deno.writeTextFileSync(path, "[a]\nb = 2\n");
  assert.deepEqual(plain(loadOrCreateToml(path, "[a]\nb = 1\n")), { a: { b: 2 } });
});

Deno.test("broken TOML names the file and the line", () => {
  const path = join(Deno.makeTempDirSync(), "bad.toml");
  Deno.writeTextFileSync(path, "a = \n");
  assert.throws(() => loadOrCreateToml(path, ""), /bad\.toml.*line 1/);
});

Deno.test("field readers name the key and the rule", () => {
  const t = { level: "loud", n: 0, sub: 3 };
  assert.throws(() => oneOf(t, "level", "daemon.", ["info", "debug"], "info"), {
    message: "invalid daemon.level: must be one of info, debug",
  });
  assert.throws(
    () => integer(t, "n", "z.", 1, 9, 1),
    /invalid z\.n: must be an integer from 1 to 9/,
  );
  assert.throws(() => table(t, "sub", ""), /invalid sub: must be a table/);
  assert.equal(integer({}, "n", "", 1, 9, 4), 4);
});

Deno.test("loadOrCreateToml refuses a setting the default file does not list, naming it", () => {
  const dir = Deno.makeTempDirSync();
  try {
    const path = `${dir}/x.toml`;
    const defaults = "[a]\nkeep = 1\n[m]\n";
    Deno.writeTextFileSync(path, "[a]\nkeeep = 2\n");
    assert.throws(
      () => loadOrCreateToml(path, defaults),
      /x\.toml: a\.keeep: is not a setting \(known here: keep\)/,
    );
    Deno.writeTextFileSync(path, "[b]\n");
    assert.throws(
      () => loadOrCreateToml(path, defaults),
      /b: is not a setting \(known here: a, m\)/,
    );
    Deno.writeTextFileSync(path, '[m]\n"host.example" = ["mirror"]\n');
    const plain = JSON.parse(JSON.stringify(loadOrCreateToml(path, defaults, ["m"])));
    assert.deepEqual(plain, { m: { "host.example": ["mirror"] } });
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
