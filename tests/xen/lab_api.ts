/**
 * The daemon's control API from inside the lab's dom0, without the CLI: one Connect unary
 * call as JSON over HTTP/1.1 on the Unix socket. Dependency-free (dom0 has no npm access),
 * for figures the CLI's own start-up (seconds under TCG) would drown: the warm pool's claim.
 */
const SOCKET = "/run/protect/daemon.sock";
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Calls ControlService/`method` with `request` (proto JSON) and returns the JSON answer. */
export async function callDaemon<T = Record<string, unknown>>(
  method: string,
  request: unknown,
): Promise<T> {
  const body = encoder.encode(JSON.stringify(request));
  const head = `POST /protect.control.v1.ControlService/${method} HTTP/1.1\r\n` +
    "Host: protect\r\nContent-Type: application/json\r\nConnection: close\r\n" +
    `Content-Length: ${body.length}\r\n\r\n`;
  const conn = await Deno.connect({ transport: "unix", path: SOCKET });
  const chunks: Uint8Array[] = [];
  try {
    const out = new Uint8Array([...encoder.encode(head), ...body]);
    for (let sent = 0; sent < out.length;) sent += await conn.write(out.subarray(sent));
    const buffer = new Uint8Array(64 * 1024);
    for (let n = await conn.read(buffer); n !== null; n = await conn.read(buffer)) {
      chunks.push(buffer.slice(0, n));
    }
  } finally {
    conn.close();
  }
  const text = decoder.decode(new Uint8Array(chunks.flatMap((c) => [...c])));
  const split = text.indexOf("\r\n\r\n");
  const [status, ...headers] = text.slice(0, split).split("\r\n");
  let payload = text.slice(split + 4);
  if (headers.some((h) => /^transfer-encoding:\s*chunked/i.test(h))) payload = unchunk(payload);
  if (!/^HTTP\/1\.1 200/.test(status)) throw new Error(`${method}: ${status}: ${payload}`);
  return JSON.parse(payload) as T;
}

/** The body of a chunked response (sizes in hex, each chunk followed by CRLF). */
function unchunk(text: string): string {
  let out = "";
  for (let at = 0;;) {
    const eol = text.indexOf("\r\n", at);
    const size = parseInt(text.slice(at, eol), 16);
    if (!size) return out;
    out += text.slice(eol + 2, eol + 2 + size);
    at = eol + 2 + size + 2;
  }
}

/**
 * CreateZone, then GetZone every 20 ms until READY: milliseconds from the call to READY as
 * seen through the API, and the daemon's own created→ready span (from its timestamps).
 */
export async function createUntilReady(
  spec: Record<string, unknown>,
  timeoutMs = 300_000,
): Promise<{ zoneId: string; apiMs: number; daemonMs: number; fromPool: boolean }> {
  const started = performance.now();
  const { zoneId } = await callDaemon<{ zoneId: string }>("CreateZone", { spec });
  for (;;) {
    const { zone } = await callDaemon<{ zone: ZoneJson }>("GetZone", { zoneId });
    const state = zone.status?.state;
    if (state === "ZONE_STATE_READY") {
      const apiMs = performance.now() - started;
      const daemonMs = Date.parse(zone.status!.readyAt!) - Date.parse(zone.status!.createdAt!);
      return { zoneId, apiMs, daemonMs, fromPool: zone.status?.fromPool ?? false };
    }
    if (state === "ZONE_STATE_FAILED") throw new Error(`zone FAILED: ${zone.status?.error}`);
    if (performance.now() - started > timeoutMs) throw new Error(`zone not READY: ${state}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

interface ZoneJson {
  status?: {
    state?: string;
    error?: string;
    createdAt?: string;
    readyAt?: string;
    fromPool?: boolean;
  };
}

/**
 * Restarts the lab's protect-orchestrator (started by session.sh) with `toml` as its config:
 * how a [[pool]] is turned on and off.
 */
export async function restartOrchestrator(toml: string): Promise<void> {
  Deno.writeTextFileSync("/etc/protect/orchestrator.toml", toml);
  const script = "kill $(cat /run/orchestrator.pid) 2>/dev/null; " +
    "for i in $(seq 100); do [ -S /run/protect/orchestrator.sock ] || break; sleep 0.2; done; " +
    "protect-orchestrator >>/mnt/host/out/orchestrator.log 2>&1 </dev/null & " +
    "echo $! > /run/orchestrator.pid";
  const out = await new Deno.Command("sh", { args: ["-c", script], stdout: "null" }).output();
  if (!out.success) throw new Error("could not restart protect-orchestrator");
  for (let i = 0; i < 600; i++) {
    try {
      Deno.statSync("/run/protect/orchestrator.sock");
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error("protect-orchestrator did not come back");
}
