import assert from "node:assert/strict";
import {
  kernelPathExists,
  listKernelDir,
  readKernelFile,
  readKernelLink,
  writeKernelFile,
} from "./kernel_files.ts";

Deno.test("kernel files through libc: read /proc, write and read back, existence, errors name the path", () => {
  assert.match(readKernelFile("/proc/self/stat"), /^\d+ \(/);
  const dir = Deno.makeTempDirSync();
  try {
    const file = `${dir}/online`;
    Deno.writeTextFileSync(file, "0\n");
    writeKernelFile(file, "1");
    // O_WRONLY without truncation, as sysfs expects: "0\n" becomes "1\n".
    assert.equal(readKernelFile(file), "1\n");
    assert.equal(kernelPathExists(file), true);
    assert.equal(kernelPathExists(`${dir}/none`), false);
    assert.equal(kernelPathExists("/dev/null"), true);
    assert.throws(() => readKernelFile(`${dir}/none`), new RegExp(`open ${dir}/none: errno 2`));
    assert.throws(() => writeKernelFile(`${dir}/none`, "1"), /errno 2/);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("kernel directories and links through libc", () => {
  const dir = Deno.makeTempDirSync();
  Deno.writeTextFileSync(`${dir}/a`, "");
  Deno.mkdirSync(`${dir}/b`);
  Deno.symlinkSync("../../bus/pci/drivers/pciback", `${dir}/driver`);
  assert.deepEqual(listKernelDir(dir).sort(), ["a", "b", "driver"]);
  assert.equal(readKernelLink(`${dir}/driver`), "../../bus/pci/drivers/pciback");
  assert.equal(readKernelLink(`${dir}/a`), undefined);
  assert.throws(() => listKernelDir(`${dir}/missing`), /opendir .*missing: errno 2/);
  assert.ok(listKernelDir("/proc").includes("self"));
});
