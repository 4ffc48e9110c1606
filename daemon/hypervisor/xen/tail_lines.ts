/**
 * Follows a growing text file and hands each new complete line to `line`, until
 * `signal` aborts. Used to route libxl's log (written by C through a FILE*) into
 * the daemon's own log.
 */
export function tailLines(
  path: string,
  signal: AbortSignal,
  line: (text: string) => void,
  intervalMs = 1000,
): void {
  let offset = 0;
  let partial = "";
  const decoder = new TextDecoder();
  const timer = setInterval(() => {
    let file: Deno.FsFile | undefined;
    try {
      file = Deno.openSync(path);
      const size = file.statSync().size;
      if (size < offset) offset = 0; // truncated or replaced
      if (size === offset) return;
      file.seekSync(offset, Deno.SeekMode.Start);
      const buf = new Uint8Array(Math.min(size - offset, 1 << 20));
      const n = file.readSync(buf) ?? 0;
      offset += n;
      const lines = (partial + decoder.decode(buf.subarray(0, n))).split("\n");
      partial = lines.pop() ?? "";
      for (const l of lines) if (l.trim()) line(l);
    } catch {
      // Not there yet; try again next tick.
    } finally {
      file?.close();
    }
  }, intervalMs);
  signal.addEventListener("abort", () => clearInterval(timer), { once: true });
}
