import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { ZoneSpecSchema } from "../../proto/mod.ts";
import { checkZoneKernel, isKernelReference } from "./zone_kernel.ts";

const kernelDir = Deno.makeTempDirSync();
Deno.writeTextFileSync(`${kernelDir}/vmlinux`, "kernel");
Deno.mkdirSync(`${kernelDir}/sub`);
const outsideDir = Deno.makeTempDirSync();
Deno.writeTextFileSync(`${outsideDir}/vmlinux`, "not ours");
Deno.symlinkSync(`${outsideDir}/vmlinux`, `${kernelDir}/escape`);
const xen = { hardwareIsolation: true, driverName: "xen", kernelDir };
const spec = (kernel: string, initrd = "") => create(ZoneSpecSchema, { kernel, initrd });

Deno.test("zone kernel: a file inside kernel_dir, or an OCI reference", () => {
  checkZoneKernel(spec(""), xen);
  checkZoneKernel(spec(`${kernelDir}/vmlinux`, `${kernelDir}/vmlinux`), xen);
  checkZoneKernel(spec("registry.example:5000/kernels/zone:6.1"), xen);
  assert.ok(isKernelReference("kernels/zone:6.1"));
  assert.ok(!isKernelReference(`${kernelDir}/vmlinux`) && !isKernelReference(""));
});

Deno.test("zone kernel: each refusal names the field and why", () => {
  const refused = (s: ReturnType<typeof spec>, why: RegExp, sources = xen) =>
    assert.throws(() => checkZoneKernel(s, sources), why);
  refused(spec(`${outsideDir}/vmlinux`), /spec\.kernel: .* is not inside .*\[xen\] kernel_dir/);
  refused(spec(`${kernelDir}/escape`), /spec\.kernel: .*escape is not inside/);
  refused(spec(`${kernelDir}/../x`), /spec\.kernel: must be a normalised path/);
  refused(spec(`${kernelDir}/missing`), /spec\.kernel: .*missing does not exist/);
  refused(spec(`${kernelDir}/sub`), /spec\.kernel: .*sub is not a file/);
  refused(spec("Bad Reference!"), /spec\.kernel: neither a host path \(absolute\) nor an OCI/);
  refused(spec("", "kernels/initrd:1"), /spec\.initrd: must be a host path; a kernel image/);
  refused(
    spec(`${kernelDir}/vmlinux`),
    /spec\.kernel: the process driver's zones run on the host's kernel/,
    { ...xen, hardwareIsolation: false, driverName: "process" },
  );
});
