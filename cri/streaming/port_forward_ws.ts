import * as net from "node:net";
import type { WebSocketConnection } from "./websocket.ts";
import { wsChannels } from "./ws_channels.ts";
import { forwardProblem, type ForwardTarget } from "./port_forward.ts";

/** Port-forward over a WebSocket, as kubelet serves it ("" = binary, no protocol named). */
export const PORT_FORWARD_WS_PROTOCOLS = ["v4.channel.k8s.io", "v4.base64.channel.k8s.io"];

/** At most this many ports per connection (two channels each, channel numbers are bytes). */
const MAX_PORTS = 64;

/**
 * The ports of a WebSocket port-forward: the URL's `port` query parameters (kubelet requires
 * them for WebSockets), else those PortForward named. Throws with the reason.
 */
export function websocketPorts(query: URLSearchParams, target: ForwardTarget): number[] {
  const asked = query.getAll("port");
  const ports = asked.length ? asked.map(Number) : target.ports;
  if (ports.length === 0) throw new Error('query parameter "port" is required');
  if (ports.length > MAX_PORTS) throw new Error(`more than ${MAX_PORTS} ports`);
  for (const port of ports) {
    const problem = forwardProblem(port, { ...target, host: "checked later" });
    if (problem) throw new Error(problem);
  }
  return ports;
}

/**
 * Serves kubelet's WebSocket port-forward: port i has a data channel (2i) and an error
 * channel (2i+1); each starts with the port, 2 bytes little-endian. One TCP connection to
 * the pod per port, relayed both ways; the WebSocket closes when all of them have ended.
 */
export async function servePortForwardWs(
  ws: WebSocketConnection,
  protocol: string,
  ports: number[],
  target: ForwardTarget,
): Promise<void> {
  const channels = wsChannels(ws, protocol);
  const sockets: (net.Socket | undefined)[] = [];
  const ended = ports.map((port, i) => {
    const prefix = new Uint8Array([port & 0xff, port >> 8]);
    channels.send(2 * i, prefix);
    channels.send(2 * i + 1, prefix);
    const fail = (message: string) => channels.send(2 * i + 1, new TextEncoder().encode(message));
    const problem = forwardProblem(port, target);
    if (problem) {
      fail(problem);
      return Promise.resolve();
    }
    const socket = net.connect(port, target.host!);
    sockets[i] = socket;
    socket.on("data", (chunk: Uint8Array) => channels.send(2 * i, chunk));
    socket.on("error", (e) => fail(`connecting to ${target.host}:${port}: ${e.message}`));
    return new Promise<void>((resolve) => socket.on("close", () => resolve()));
  });
  (async () => {
    for await (const { channel, data } of channels.receive()) {
      // The client's data for port i; the error channels are the server's to write.
      if (channel % 2 === 0) sockets[channel / 2]?.write(data);
    }
    for (const socket of sockets) socket?.end();
  })().catch(() => sockets.forEach((s) => s?.destroy()));
  await Promise.all(ended);
  ws.close();
}
