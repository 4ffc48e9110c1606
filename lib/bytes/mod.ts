/** Byte-buffer helpers shared by the programs and tests. */
export { concat } from "./concat.ts";
export { writeAll, type Writer } from "./write_all.ts";
