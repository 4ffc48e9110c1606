/**
 * ConnectRPC over Unix sockets: one universal core (connect's protocol
 * package), thin adapters for Deno.serve, plain HTTP/1.1 (unary calls) and
 * Deno's fetch (streaming calls).
 */
export type { RouterOptions, Routes } from "./router.ts";
export {
  claimSocketPath,
  serveUnix,
  socketIsLive,
  type UnixServer,
  type UnixServerOptions,
} from "./unix_server.ts";
export { createInMemoryTransport, createUnixTransport, type UnixTransport } from "./transports.ts";
export { errorInterceptor } from "./error_interceptor.ts";
export { connectionLost, ConnectionLostError } from "./connection_lost.ts";
export { shareSocketWithGroup } from "./socket_group.ts";
export { LATENCY_BOUNDS_SECONDS, type MethodFigures, RpcMetrics } from "./rpc_metrics.ts";
export { serverStream } from "./server_stream.ts";
