import type { PullImageResponse } from "../../proto/mod.ts";

const encoder = new TextEncoder();
const write = (text: string) => Deno.stderr.writeSync(encoder.encode(text));

function human(bytes: bigint): string {
  const n = Number(bytes);
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

function bar(done: bigint, total: bigint, width = 24): string {
  const fraction = total > 0n ? Number(done) / Number(total) : 1;
  const filled = Math.round(Math.min(1, fraction) * width);
  return `[${"=".repeat(filled)}${" ".repeat(width - filled)}]`;
}

/**
 * Draws pull progress on stderr: live bars redrawn in place on a terminal,
 * one line per phase or finished layer otherwise (logs stay readable).
 */
export class PullProgressView {
  #drawnLines = 0;
  #lastPhase = "";
  #finished = new Set<string>();
  readonly #tty = Deno.stderr.isTerminal();

  update(m: PullImageResponse): void {
    if (this.#tty) this.#redraw(m);
    else this.#log(m);
  }

  #redraw(m: PullImageResponse): void {
    const lines = m.layers.map((l) =>
      `${l.digest.slice(7, 19)}  ${bar(l.bytesDone, l.bytesTotal)} ${
        human(l.bytesDone).padStart(10)
      } / ${human(l.bytesTotal).padEnd(10)} ${l.phase}`
    );
    lines.push(`${m.phase.padEnd(12)} ${human(m.bytesDone)} of ${human(m.bytesTotal)}`);
    // Move up over the previous frame and overwrite it.
    if (this.#drawnLines > 0) write(`\x1b[${this.#drawnLines}A`);
    write(lines.map((l) => `\x1b[2K${l}\n`).join(""));
    this.#drawnLines = lines.length;
  }

  #log(m: PullImageResponse): void {
    if (m.phase !== this.#lastPhase) {
      this.#lastPhase = m.phase;
      if (m.phase !== "done") write(`${m.phase}...\n`);
    }
    for (const l of m.layers) {
      const downloaded = l.phase === "done" || l.phase === "cached" || l.phase === "unpacking";
      if (downloaded && !this.#finished.has(l.digest)) {
        this.#finished.add(l.digest);
        write(
          `  layer ${l.digest.slice(7, 19)} ${
            l.phase === "cached" ? "already present" : "downloaded"
          } (${human(l.bytesTotal)})\n`,
        );
      }
    }
  }
}

export { human };
