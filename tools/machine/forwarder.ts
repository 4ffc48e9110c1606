/**
 * The byte-for-byte connection forwarder behind `protect machine` (forward.ts is
 * its flags). Every connection accepted on `listen` is joined to a new connection
 * to `to`. The machine's API crosses a loopback TCP port (QEMU's hostfwd), which
 * any local user can open, so that hop carries a per-machine secret: the host side
 * sends it first on every connection (`sendSecret`), the dom0 side drops any
 * connection that does not start with it (`requireSecret`). Only root can read the
 * secret; the host's Unix socket is mode 0660, so only root and the protect group
 * reach the API at all.
 */
import { timingSafeEqual } from "node:crypto";

export type Address = { transport: "unix"; path: string } | {
  transport: "tcp";
  hostname: string;
  port: number;
};

export interface ForwardOptions {
  listen: Address;
  to: Address;
  /** Every inbound connection must start with this secret's preamble. */
  requireSecret?: string;
  /** Every outbound connection starts with this secret's preamble. */
  sendSecret?: string;
  /** How long an inbound connection has to send its preamble. */
  preambleTimeoutMs?: number;
  log?: (message: string) => void;
}

const PREAMBLE = "protect-machine ";
const MAX_PREAMBLE = 256;
const encoder = new TextEncoder();

/** "unix:/path" or "tcp:host:port"; undefined when it is neither. */
export function parseAddress(text: string): Address | undefined {
  if (text.startsWith("unix:/")) return { transport: "unix", path: text.slice(5) };
  const tcp = text.match(/^tcp:([^:]+):(\d{1,5})$/);
  return tcp ? { transport: "tcp", hostname: tcp[1], port: Number(tcp[2]) } : undefined;
}

/** A fresh secret: 32 random bytes as hex. */
export function newSecret(): string {
  return Array.from(
    crypto.getRandomValues(new Uint8Array(32)),
    (b) => b.toString(16).padStart(2, "0"),
  )
    .join("");
}

/**
 * Reads the preamble line from `conn` and checks it against `secret` in constant time.
 * Returns the bytes that followed the line (the start of the real stream), or
 * undefined when the preamble is wrong, too long, missing or late.
 */
export async function acceptPreamble(
  conn: Deno.Conn,
  secret: string,
  timeoutMs: number,
): Promise<Uint8Array | undefined> {
  const expected = encoder.encode(`${PREAMBLE}${secret}`);
  const buffer = new Uint8Array(MAX_PREAMBLE + 4096);
  let filled = 0;
  const timer = setTimeout(() => conn.close(), timeoutMs);
  try {
    while (true) {
      const newline = buffer.subarray(0, filled).indexOf(10);
      if (newline >= 0) {
        const line = buffer.subarray(0, newline);
        const ok = line.length === expected.length && timingSafeEqual(line, expected);
        return ok ? buffer.slice(newline + 1, filled) : undefined;
      }
      if (filled >= MAX_PREAMBLE) return undefined;
      const n = await conn.read(buffer.subarray(filled));
      if (n === null) return undefined;
      filled += n;
    }
  } catch {
    return undefined; // closed by the timer, or by the peer
  } finally {
    clearTimeout(timer);
  }
}

function connect(to: Address): Promise<Deno.Conn> {
  return to.transport === "unix"
    ? Deno.connect({ transport: "unix", path: to.path })
    : Deno.connect({ hostname: to.hostname, port: to.port });
}

function closeQuietly(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch { /* closed */ }
}

async function join(inbound: Deno.Conn, options: ForwardOptions): Promise<void> {
  const log = options.log ?? (() => {});
  let head: Uint8Array = new Uint8Array();
  if (options.requireSecret !== undefined) {
    const rest = await acceptPreamble(
      inbound,
      options.requireSecret,
      options.preambleTimeoutMs ?? 5_000,
    );
    if (!rest) {
      log("refused a connection: it did not start with the machine secret");
      return closeQuietly(inbound);
    }
    head = rest;
  }
  let outbound: Deno.Conn;
  try {
    outbound = await connect(options.to);
    if (options.sendSecret !== undefined) {
      await outbound.write(encoder.encode(`${PREAMBLE}${options.sendSecret}\n`));
    }
    if (head.length > 0) await outbound.write(head);
  } catch (e) {
    log(`cannot reach ${describe(options.to)}: ${(e as Error).message}`);
    return closeQuietly(inbound);
  }
  // Each direction ends on its own; closing both once either ends is enough.
  await Promise.allSettled([
    inbound.readable.pipeTo(outbound.writable),
    outbound.readable.pipeTo(inbound.writable),
  ]);
  closeQuietly(inbound);
  closeQuietly(outbound);
}

function describe(address: Address): string {
  return address.transport === "unix"
    ? `unix:${address.path}`
    : `tcp:${address.hostname}:${address.port}`;
}

/** Listens and forwards until the listener is closed; returns the listener. */
export function forward(options: ForwardOptions): Deno.Listener {
  const { listen } = options;
  if (listen.transport === "unix") {
    try {
      Deno.removeSync(listen.path); // a stale socket from an earlier run
    } catch { /* not there */ }
  }
  const listener = listen.transport === "unix"
    ? Deno.listen({ transport: "unix", path: listen.path })
    : Deno.listen({ hostname: listen.hostname, port: listen.port });
  if (listen.transport === "unix") Deno.chmodSync(listen.path, 0o660);
  (async () => {
    try {
      for await (const inbound of listener) void join(inbound, options);
    } catch { /* listener closed */ }
  })();
  return listener;
}
