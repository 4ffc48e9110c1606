import { runTool, ToolError, withInputFile } from "../../lib/tools/mod.ts";
import { TABLE } from "./ruleset.ts";

/** nft(8) for protect's one table. */
export class Nftables {
  /** `scratchDir`: where scripts are written for nft to read (else they go through stdin). */
  constructor(private readonly scratchDir?: string) {}

  /** Replaces the table with the rendered script, atomically. */
  async apply(script: string): Promise<void> {
    if (!this.scratchDir) return void await runTool("nft", ["-f", "-"], script);
    await withInputFile(this.scratchDir, script, (path) => runTool("nft", ["-f", path]));
  }

  /** Deletes the table; no error if there is none. */
  async remove(): Promise<void> {
    try {
      await runTool("nft", ["delete", "table", "inet", TABLE]);
    } catch (e) {
      if (!(e instanceof ToolError && /No such file or directory/.test(e.stderr))) throw e;
    }
  }
}
