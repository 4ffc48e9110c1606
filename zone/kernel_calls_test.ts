import assert from "node:assert/strict";
import { creditEntropy } from "./kernel_calls.ts";
import { skipIf } from "../tests/helpers/skip.ts";

const needsRoot = Deno.uid() !== 0 &&
  "needs root (CAP_SYS_ADMIN for RNDADDENTROPY, a UTS namespace)";

Deno.test({
  ...skipIf(needsRoot, "creditEntropy: the kernel accepts RNDADDENTROPY with our rand_pool_info"),
  fn() {
    // Fresh CSPRNG bytes: crediting them to this host's pool is harmless. The kernel
    // answers a wrong request number with ENOTTY and a bad buffer with EFAULT: both throw.
    assert.doesNotThrow(() => creditEntropy(crypto.getRandomValues(new Uint8Array(32))));
    // Not a multiple of 4: the buffer is padded to whole words.
    assert.doesNotThrow(() => creditEntropy(crypto.getRandomValues(new Uint8Array(33))));
  },
});

Deno.test({
  ...skipIf(needsRoot, "setHostname sets the kernel's hostname (in a UTS namespace of its own)"),
  async fn() {
    const module = new URL("./kernel_calls.ts", import.meta.url).href;
    const script = `import { setHostname } from "${module}";
      setHostname("protect-test-uts"); console.log(Deno.hostname());`;
    const out = await new Deno.Command("unshare", {
      args: ["--uts", Deno.execPath(), "eval", "--no-config", script],
      stderr: "piped",
    }).output();
    const decoder = new TextDecoder();
    assert.ok(out.success, decoder.decode(out.stderr));
    assert.equal(decoder.decode(out.stdout).trim(), "protect-test-uts");
    assert.notEqual(Deno.hostname(), "protect-test-uts", "the test's own hostname changed");
  },
});
