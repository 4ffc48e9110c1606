import assert from "node:assert/strict";
import { kernelPathExists, readKernelFile, writeKernelFile } from "./kernel_files.ts";

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
