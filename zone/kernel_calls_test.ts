import { creditEntropy } from "./kernel_calls.ts";

Deno.test({
  name:
    "creditEntropy hands a seed to the kernel with RNDADDENTROPY (fails on a wrong ioctl or layout)",
  ignore: Deno.uid() !== 0,
  fn() {
    // Fresh CSPRNG bytes: crediting them to this host's pool is harmless.
    creditEntropy(crypto.getRandomValues(new Uint8Array(32)));
    creditEntropy(crypto.getRandomValues(new Uint8Array(33))); // not a multiple of 4
  },
});
