/**
 * A zone console kept in a growing file (the process agent's log, xenconsoled's
 * guest log): from the start if `replay` (else from its current end), then, if
 * `follow`, what is appended, until `signal` aborts. A missing file is empty.
 */
export async function* followFile(
  path: string,
  replay: boolean,
  follow: boolean,
  signal: AbortSignal,
): AsyncGenerator<Uint8Array> {
  let offset = replay ? 0 : sizeOf(path);
  while (!signal.aborted) {
    const size = sizeOf(path);
    if (size < offset) offset = 0; // truncated or replaced
    if (size > offset) {
      const file = await Deno.open(path);
      try {
        await file.seek(offset, Deno.SeekMode.Start);
        const buf = new Uint8Array(Math.min(size - offset, 1 << 20));
        const n = (await file.read(buf)) ?? 0;
        offset += n;
        if (n > 0) yield buf.subarray(0, n);
      } finally {
        file.close();
      }
      continue; // more may be there already
    }
    if (!follow) return;
    await new Promise((r) => setTimeout(r, 300));
  }
}

function sizeOf(path: string): number {
  try {
    return Deno.statSync(path).size;
  } catch {
    return 0;
  }
}
