/** Running the external tools the programs are allowed to run (ip, nft, mksquashfs, …). */
export * from "./run_tool.ts";
export * from "./require_tools.ts";
export * from "./packages.ts";
export { withInputFile } from "./input_file.ts";
