/** Reads a response body, refusing more than `max` bytes (registries are untrusted). */
export async function readLimited(
  response: Response,
  max: number,
  what: string,
): Promise<Uint8Array> {
  const declared = Number(response.headers.get("content-length") ?? "0");
  if (declared > max) {
    await response.body?.cancel();
    throw new Error(`${what} is ${declared} bytes, over the ${max}-byte limit`);
  }
  const parts: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of response.body ?? []) {
    total += chunk.byteLength;
    if (total > max) throw new Error(`${what} is over the ${max}-byte limit`);
    parts.push(chunk);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}
