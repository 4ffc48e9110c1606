import * as http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { Logger } from "../../lib/log/mod.ts";
import { SpdySession, type SpdyStream } from "./spdy_session.ts";
import type { StreamingRequest, StreamingRequests } from "./streaming_requests.ts";
import { REMOTE_COMMAND_PROTOCOLS } from "./remote_command.ts";
import { WEBSOCKET_PROTOCOLS } from "./remote_command_ws.ts";
import { acceptKey, WebSocketConnection } from "./websocket.ts";
import { PORT_FORWARD_WS_PROTOCOLS } from "./port_forward_ws.ts";

export const PORT_FORWARD_PROTOCOLS = ["portforward.k8s.io"];

/** Serves one upgraded streaming request on its SPDY session. */
export type StreamingHandler = (
  request: StreamingRequest,
  session: SpdySession,
  accept: (listener: (s: SpdyStream) => void) => void,
  protocol: string,
) => Promise<void>;

/** Serves one request upgraded to a WebSocket; `query` is the URL's (port-forward's ports). */
export type WebSocketHandler = (
  request: StreamingRequest,
  ws: WebSocketConnection,
  protocol: string,
  query: URLSearchParams,
) => Promise<void>;

export interface StreamingServer {
  /** `http://host:port`, the base of the URLs the RPCs return. */
  readonly baseUrl: string;
  close(): Promise<void>;
}

/** The client's protocols (repeated headers or comma lists), in its order. */
function offered(header: string | string[] | undefined): string[] {
  const values = Array.isArray(header) ? header : header ? [header] : [];
  return values.flatMap((v) => v.split(",")).map((v) => v.trim()).filter(Boolean);
}

/** The first protocol the client offers that we speak; "" when it offers none. */
export function negotiate(clientOffers: string[], ours: string[]): string | undefined {
  if (clientOffers.length === 0) return "";
  return clientOffers.find((p) => ours.includes(p));
}

function refuse(socket: Socket, status: string, message: string): void {
  socket.end(
    `HTTP/1.1 ${status}\r\nContent-Type: text/plain\r\nContent-Length: ${
      new TextEncoder().encode(message).length
    }\r\nConnection: close\r\n\r\n${message}`,
  );
}

/**
 * The streaming server kubelet's URLs point at (loopback by default): `/exec/<token>`,
 * `/attach/<token>` and `/portforward/<token>`, each a single-use token from the RPC that
 * returned it. The client upgrades to SPDY/3.1 and names its protocol in
 * X-Stream-Protocol-Version; the server answers with the one it chose.
 */
export async function startStreamingServer(options: {
  address: string;
  port: number;
  requests: StreamingRequests;
  handle: StreamingHandler;
  handleWebSocket: WebSocketHandler;
  log: Logger;
}): Promise<StreamingServer> {
  const sockets = new Set<Socket>();
  const server = http.createServer((_request, response) => {
    response.writeHead(400, { "content-type": "text/plain" });
    response.end("this server speaks SPDY/3.1 upgrades only (kubelet's streaming protocol)\n");
  });
  server.on("upgrade", (req: http.IncomingMessage, socket: Socket, head: Uint8Array) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    const [path, search = ""] = (req.url ?? "").split("?", 2);
    const match = /^\/(exec|attach|portforward)\/([0-9a-f]{32})$/.exec(path);
    const request = match ? options.requests.take(match[2]) : undefined;
    if (!match || !request || request.kind !== match[1]) {
      return refuse(socket, "404 Not Found", "unknown or expired streaming URL\n");
    }
    if ((req.headers.upgrade ?? "").toLowerCase() === "websocket") {
      return upgradeWebSocket(req, socket, head, request, new URLSearchParams(search), options);
    }
    if ((req.headers.upgrade ?? "").toLowerCase() !== "spdy/3.1") {
      return refuse(
        socket,
        "400 Bad Request",
        `upgrade to SPDY/3.1 or websocket (not "${req.headers.upgrade}")\n`,
      );
    }
    const ours = request.kind === "portforward" ? PORT_FORWARD_PROTOCOLS : REMOTE_COMMAND_PROTOCOLS;
    const protocol = negotiate(offered(req.headers["x-stream-protocol-version"]), ours);
    if (protocol === undefined) {
      return refuse(
        socket,
        "403 Forbidden",
        `unable to negotiate a protocol; this server speaks ${ours.join(", ")}\n`,
      );
    }
    socket.write(
      "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n" +
        (protocol ? `X-Stream-Protocol-Version: ${protocol}\r\n` : "") + "\r\n",
    );
    let listener: ((s: SpdyStream) => void) | undefined;
    const early: SpdyStream[] = [];
    const session = new SpdySession(socket, true, (s) => listener ? listener(s) : early.push(s));
    if (head.length) socket.unshift(head);
    const accept = (l: (s: SpdyStream) => void) => {
      listener = l;
      for (const s of early.splice(0)) l(s);
    };
    options.handle(request, session, accept, protocol || ours.at(-1)!).catch((error) => {
      options.log.warn("a streaming session failed", { kind: request.kind, error });
      session.close();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.address, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = options.address.includes(":") ? `[${options.address}]` : options.address;
  return {
    baseUrl: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** The WebSocket forms of exec, attach and port-forward. */
function upgradeWebSocket(
  req: http.IncomingMessage,
  socket: Socket,
  head: Uint8Array,
  request: StreamingRequest,
  query: URLSearchParams,
  options: { handleWebSocket: WebSocketHandler; log: Logger },
): void {
  const key = req.headers["sec-websocket-key"];
  if (typeof key !== "string" || key.length > 64) {
    return refuse(socket, "400 Bad Request", "no Sec-WebSocket-Key\n");
  }
  const forward = request.kind === "portforward";
  const ours = forward ? PORT_FORWARD_WS_PROTOCOLS : WEBSOCKET_PROTOCOLS;
  const protocol = negotiate(offered(req.headers["sec-websocket-protocol"]), ours);
  // Port-forward also takes a client that names no protocol (binary), as kubelet does.
  if (protocol === undefined || (protocol === "" && !forward)) {
    return refuse(
      socket,
      "403 Forbidden",
      `unable to negotiate a protocol; this server speaks ${ours.join(", ")}\n`,
    );
  }
  socket.write(
    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
      `Sec-WebSocket-Accept: ${acceptKey(key)}\r\n` +
      (protocol ? `Sec-WebSocket-Protocol: ${protocol}\r\n` : "") + "\r\n",
  );
  const ws = new WebSocketConnection(socket);
  if (head.length) socket.unshift(head);
  options.handleWebSocket(request, ws, protocol, query).catch((error) => {
    options.log.warn("a streaming WebSocket failed", { kind: request.kind, error });
    ws.close(1011);
  });
}
