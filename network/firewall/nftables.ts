import { runTool, ToolError } from "../../lib/tools/mod.ts";
import { TABLE } from "./ruleset.ts";

/** nft(8) for protect's one table. */
export class Nftables {
  /** Replaces the table with the rendered script, atomically. */
  async apply(script: string): Promise<void> {
    await runTool("nft", ["-f", "-"], script);
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
