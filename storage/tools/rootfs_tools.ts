import type { RootfsTools } from "../unpack/rootfs_writer.ts";
import { runTool } from "../../lib/tools/mod.ts";

const hex = (bytes: Uint8Array) =>
  Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

/** Extended attributes through setfattr(1): Deno has no API for them. */
export const systemRootfsTools: RootfsTools = {
  async setXattr(path, name, value) {
    await runTool("setfattr", ["-h", "-n", name, "-v", `0x${hex(value)}`, path]);
  },
};
