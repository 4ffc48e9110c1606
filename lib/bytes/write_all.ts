/** Something written to a piece at a time (a socket, a file, stdout). */
export interface Writer {
  write(bytes: Uint8Array): Promise<number>;
}

/** Writes all of `bytes`: one write may take only part of them. */
export async function writeAll(to: Writer, bytes: Uint8Array): Promise<void> {
  for (let at = 0; at < bytes.length;) at += await to.write(bytes.subarray(at));
}
