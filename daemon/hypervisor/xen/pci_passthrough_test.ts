import assert from "node:assert/strict";
import { pciJson } from "./pci_passthrough.ts";
import { loggedSince } from "./libxl_reason.ts";

Deno.test("pciJson: a PCI address as libxl_device_pci; anything else is refused", () => {
  assert.deepEqual(JSON.parse(pciJson("0000:00:1f.3")), { domain: 0, bus: 0, dev: 31, func: 3 });
  assert.deepEqual(JSON.parse(pciJson("0001:0a:04.0")), { domain: 1, bus: 10, dev: 4, func: 0 });
  for (const bad of ["00:04.0", "0000:00:04.8", "/dev/vda", "0000:00:04.0 "]) {
    assert.throws(() => pciJson(bad), /device: .* is not a PCI address/);
  }
});

Deno.test("loggedSince: libxl's lines after the mark, prefixes dropped", () => {
  const path = Deno.makeTempFileSync();
  Deno.writeTextFileSync(path, "libxl: error: old failure\n");
  const mark = Deno.statSync(path).size;
  Deno.writeTextFileSync(
    path,
    "libxl: error: libxl_pci.c:1557:libxl__device_pci_add: PCI device 0:0:4.0 is not assignable\n",
    { append: true },
  );
  assert.deepEqual(loggedSince(path, mark), [
    "libxl_pci.c:1557:libxl__device_pci_add: PCI device 0:0:4.0 is not assignable",
  ]);
  assert.deepEqual(loggedSince("/nonexistent", 0), []);
});
