import type { RootfsTools } from "../unpack/rootfs_writer.ts";
import { runTool } from "./run_tool.ts";

const hex = (bytes: Uint8Array) =>
  Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

/** Device nodes and xattrs through mknod(1) and setfattr(1): Deno has no API for either. */
export const systemRootfsTools: RootfsTools = {
  async mknod(path, type, major, minor) {
    await runTool("mknod", type === "p" ? [path, "p"] : [path, type, String(major), String(minor)]);
  },
  async setXattr(path, name, value) {
    await runTool("setfattr", ["-h", "-n", name, "-v", `0x${hex(value)}`, path]);
  },
};
