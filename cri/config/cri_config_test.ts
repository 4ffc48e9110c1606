import assert from "node:assert/strict";
import { join } from "node:path";
import { DEFAULT_CRI_TOML, loadCriConfig } from "./cri_config.ts";

Deno.test("cri.toml: written with its defaults on first start; bad keys named", () => {
  const dir = Deno.makeTempDirSync();
  const path = join(dir, "cri.toml");
  assert.deepEqual(loadCriConfig(path), {
    streamingAddress: "127.0.0.1",
    streamingPort: 0,
    kubeletRootDir: "/var/lib/kubelet",
    socketGroup: "protect",
  });
  assert.equal(Deno.readTextFileSync(path), DEFAULT_CRI_TOML);
  Deno.writeTextFileSync(
    path,
    '[streaming]\naddress = "::1"\nport = 10010\n[kubelet]\nroot_dir = "/srv/k"\n',
  );
  assert.deepEqual(loadCriConfig(path), {
    streamingAddress: "::1",
    streamingPort: 10010,
    kubeletRootDir: "/srv/k",
    socketGroup: "protect",
  });
  Deno.writeTextFileSync(path, '[streaming]\naddress = "localhost"\n');
  assert.throws(() => loadCriConfig(path), /streaming\.address: must be an IP address/);
  Deno.writeTextFileSync(path, '[kubelet]\nroot_dir = "kubelet"\n');
  assert.throws(() => loadCriConfig(path), /kubelet\.root_dir: must be an absolute path/);
  Deno.removeSync(dir, { recursive: true });
});
