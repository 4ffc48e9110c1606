import * as net from "node:net";
import type { SpdySession, SpdyStream } from "./spdy_session.ts";

const encoder = new TextEncoder();

/**
 * Serves kubelet's port-forward protocol (`portforward.k8s.io`) on a SPDY session: the
 * client opens an error and a data stream per connection (same `requestid`, a `port`);
 * each pair becomes a TCP connection to the pod's address and port, relayed both ways.
 * A port the pod does not forward, or a failed connection, is reported on the error stream.
 */
export function servePortForward(
  session: SpdySession,
  accept: (listener: (s: SpdyStream) => void) => void,
  target: ForwardTarget,
): Promise<void> {
  const pairs = new Map<string, { data?: SpdyStream; error?: SpdyStream }>();
  accept((stream) => {
    const type = stream.headers.get("streamtype");
    const id = stream.headers.get("requestid") ?? stream.headers.get("port") ?? "";
    if (type !== "data" && type !== "error") return stream.close();
    const pair = pairs.get(id) ?? {};
    pair[type] = stream;
    pairs.set(id, pair);
    if (pair.data && pair.error) {
      pairs.delete(id);
      relay(pair.data, pair.error, Number(stream.headers.get("port")), target);
    }
  });
  return session.closed;
}

/** Where a forward may go: the pod's address, and the ports PortForward named (any if none). */
export interface ForwardTarget {
  host?: string;
  ports: number[];
}

/** Why a connection to `port` cannot be forwarded, or undefined when it can. */
export function forwardProblem(port: number, target: ForwardTarget): string | undefined {
  if (!Number.isInteger(port) || port < 1 || port > 65535) return `invalid port "${port}"`;
  if (target.ports.length > 0 && !target.ports.includes(port)) {
    return `port ${port} was not asked for in PortForward`;
  }
  if (!target.host) return "the pod has no address (no network)";
  return undefined;
}

function relay(
  data: SpdyStream,
  error: SpdyStream,
  port: number,
  target: ForwardTarget,
): void {
  const fail = async (message: string) => {
    await error.write(encoder.encode(message)).catch(() => {});
    error.close();
    data.close();
  };
  const problem = forwardProblem(port, target);
  if (problem) return void fail(problem);
  const socket = net.connect(port, target.host);
  socket.on("error", (e) => void fail(`connecting to ${target.host}:${port}: ${e.message}`));
  socket.on("connect", async () => {
    error.close(); // nothing to report: the client's side of it stays open until the end
    socket.on("data", (chunk: Uint8Array) => {
      socket.pause();
      data.write(chunk).then(() => socket.resume(), () => socket.destroy());
    });
    socket.on("end", () => data.close());
    for await (const chunk of data) {
      if (!socket.write(chunk)) await new Promise((r) => socket.once("drain", r));
    }
    socket.end();
  });
}
