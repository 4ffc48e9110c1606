/** Byte-buffer helpers shared by the programs and tests. */
export { concat } from "./concat.ts";
