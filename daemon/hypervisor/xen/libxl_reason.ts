/** At most this much of libxl's log is read back for one failure. */
const MAX_REASON_BYTES = 4096;

/**
 * Runs a libxl call and, when it fails, adds what libxl logged meanwhile to the error: the
 * call's return code says little ("ERROR_FAIL"); libxl's log line says why. libxl writes its
 * log through stdio, flushed per message, so the lines are there when the call returns.
 */
export async function withLibxlReason<T>(logPath: string, body: () => Promise<T>): Promise<T> {
  const mark = sizeOf(logPath);
  try {
    return await body();
  } catch (e) {
    const lines = loggedSince(logPath, mark);
    if (lines.length === 0) throw e;
    throw new Error(`${(e as Error).message}; libxl: ${lines.slice(-3).join(" | ")}`);
  }
}

function sizeOf(path: string): number {
  try {
    return Deno.statSync(path).size;
  } catch {
    return 0;
  }
}

/** The lines written after byte `mark`, without their timestamp and source prefix. */
export function loggedSince(path: string, mark: number): string[] {
  let file: Deno.FsFile | undefined;
  try {
    file = Deno.openSync(path);
    const size = file.statSync().size;
    const start = Math.max(mark, size - MAX_REASON_BYTES);
    if (size <= start) return [];
    file.seekSync(start, Deno.SeekMode.Start);
    const buf = new Uint8Array(size - start);
    const n = file.readSync(buf) ?? 0;
    return new TextDecoder().decode(buf.subarray(0, n)).split("\n")
      .map((l) => l.replace(/^libxl: (error|warning|debug|info)?:?\s*/, "").trim())
      .filter(Boolean);
  } catch {
    return [];
  } finally {
    file?.close();
  }
}
