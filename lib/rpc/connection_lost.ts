/**
 * The server went away in the middle of a call: the connection broke while the request was
 * sent or its answer read (a daemon killed or restarted). Not for a server that was never
 * there (that is a failure to connect). The request may or may not have been carried out.
 */
export class ConnectionLostError extends Error {
  constructor(readonly path: string, cause: unknown) {
    super(`the connection to ${path} broke: ${describe(cause)}`, { cause });
    this.name = "ConnectionLostError";
  }
}

/** The OS's words without the error-number suffix ("Connection reset by peer"). */
function describe(cause: unknown): string {
  const text = cause instanceof Error ? cause.message : String(cause);
  return text.replace(/ \(os error \d+\)$/, "");
}

/**
 * The ConnectionLostError behind an RPC failure, or one made from a failure a streaming
 * call saw mid-stream (fetch reports a broken HTTP/2 connection as a TypeError or an OS
 * error while the body is read); undefined for errors the server sent.
 */
export function connectionLost(error: unknown, path: string): ConnectionLostError | undefined {
  const chain: Error[] = [];
  for (let e: unknown = error; e instanceof Error && chain.length < 6; e = e.cause) chain.push(e);
  const found = chain.find((e) => e instanceof ConnectionLostError);
  if (found) return found as ConnectionLostError;
  // Never connected: the daemon is not there (the caller says so as "cannot reach").
  const neverConnected = chain.some((e) =>
    e instanceof Deno.errors.ConnectionRefused || e instanceof Deno.errors.NotFound ||
    /\(Connect\)|connection refused|no such file/i.test(e.message)
  );
  if (neverConnected) return undefined;
  const broke = chain.slice(1).find((e) =>
    e instanceof Deno.errors.ConnectionReset || e instanceof Deno.errors.BrokenPipe ||
    e instanceof Deno.errors.UnexpectedEof || e instanceof Deno.errors.ConnectionAborted ||
    (e instanceof TypeError && /connection|body|stream|reset|broken|closed/i.test(e.message))
  );
  return broke ? new ConnectionLostError(path, broke) : undefined;
}
