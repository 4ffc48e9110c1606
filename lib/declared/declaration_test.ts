import assert from "node:assert/strict";
import { HypervisorBackend, ResourcePolicy } from "../../proto/mod.ts";
import { DECLARED_FROM, DECLARED_HASH, parseDeclaration } from "./declaration.ts";

const WEB = `
[zone]
name = "web"
memory_mib = 256
max_memory_mib = 512
policy = "dynamic"
backend = "pv"

[[workloads]]
name = "server"
image = "lab/busybox:1"
command = ["sh", "-c", "exit 3"]
env = { B = "2", A = "1" }
`;

Deno.test("parseDeclaration: the zone, its workloads, ownership annotations, a stable hash", () => {
  const d = parseDeclaration(WEB, "/etc/protect/zones.d/web.toml");
  assert.equal(d.zone.name, "web");
  assert.equal(d.zone.resources?.targetMemoryMib, 256n);
  assert.equal(d.zone.resources?.policy, ResourcePolicy.DYNAMIC);
  assert.equal(d.zone.backend, HypervisorBackend.PV);
  assert.equal(d.zone.annotations[DECLARED_FROM], "/etc/protect/zones.d/web.toml");
  assert.equal(d.zone.annotations[DECLARED_HASH], d.hash);
  const [w] = d.workloads;
  assert.equal(w.restart, "on-failure");
  assert.equal(w.spec.zone, "web");
  assert.deepEqual(w.spec.process?.args, ["sh", "-c", "exit 3"]);
  assert.deepEqual(w.spec.process?.env, ["A=1", "B=2"]);
  // Comments, spacing and key order do not change the hash; a value does.
  const reordered = WEB.replace(
    "memory_mib = 256\nmax_memory_mib = 512",
    "max_memory_mib = 512 # max\nmemory_mib = 256",
  );
  assert.equal(parseDeclaration(reordered, d.source).hash, d.hash);
  assert.notEqual(parseDeclaration(WEB.replace("exit 3", "exit 4"), d.source).hash, d.hash);
});

Deno.test("parseDeclaration: bad input is refused naming the file and the key", () => {
  const refused = (text: string, message: RegExp) =>
    assert.throws(() => parseDeclaration(text, "web.toml"), message);
  refused("[zone\n", /web\.toml: is not valid TOML/);
  refused("[zone]\n", /web\.toml: zone\.name: is required/);
  refused(
    '[zone]\nname = "web"\nmemroy_mib = 1\n',
    /web\.toml: zone\.memroy_mib: is not a setting here/,
  );
  refused(
    '[zone]\nname = "web"\nmemory_mib = -1\n',
    /zone\.memory_mib: must be a positive whole number/,
  );
  refused(
    '[zone]\nname = "web"\npolicy = "elastic"\n',
    /zone\.policy: must be one of static, dynamic/,
  );
  refused(
    '[zone]\nname = "web"\n[[workloads]]\nname = "a"\n',
    /workloads\[0\]\.image: is required/,
  );
  refused(
    '[zone]\nname = "web"\n[[workloads]]\nname = "a"\nimage = "x"\nrestart = "sometimes"\n',
    /workloads\[0\]\.restart: must be one of on-failure, always, never/,
  );
  refused(
    '[zone]\nname = "web"\n[[workloads]]\nname = "a"\nimage = "x"\n[[workloads]]\nname = "a"\nimage = "y"\n',
    /workloads\[1\]\.name: "a" is declared twice/,
  );
});
