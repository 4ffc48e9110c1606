import { join } from "node:path";
import { createClient } from "@connectrpc/connect";
import {
  ImageService,
  RuntimeService,
} from "../proto/gen/k8s.io/cri-api/pkg/apis/runtime/v1/api_pb.ts";
import { ControlService } from "../proto/mod.ts";
import { createLogger, type LogLevel } from "../lib/log/mod.ts";
import { type ProtectPaths, protectPaths } from "../lib/paths/mod.ts";
import { createUnixTransport, errorInterceptor, shareSocketWithGroup } from "../lib/rpc/mod.ts";
import { serveGrpcUnix } from "./server/grpc_unix_server.ts";
import { loadCriConfig } from "./config/cri_config.ts";
import { CriStore } from "./state/cri_store.ts";
import { ContainerLogs } from "./logs/container_logs.ts";
import type { CriContext } from "./runtime/cri_context.ts";
import { runtimeService } from "./runtime/runtime_service.ts";
import { imageHandlers } from "./images/image_handlers.ts";
import { StreamingRequests } from "./streaming/streaming_requests.ts";
import { startStreamingServer } from "./streaming/streaming_server.ts";
import { streamingHandler, webSocketHandler } from "./runtime/streaming_handlers.ts";

export interface CriOptions {
  root: string;
  logLevel?: LogLevel;
  logSink?: (line: string) => void;
  /** How long RunPodSandbox waits for its zone (default 5 minutes, for TCG labs). */
  bootTimeoutMs?: number;
  /** The streaming server's address and port (Exec/Attach/PortForward URLs); default cri.toml's. */
  streamingAddress?: string;
  streamingPort?: number;
}

export interface RunningCri {
  paths: ProtectPaths;
  close(): Promise<void>;
}

/** Wires the daemon client, the CRI store and the log writers, and serves cri.sock. */
export async function startCri(options: CriOptions): Promise<RunningCri> {
  const paths = protectPaths(options.root);
  const log = createLogger("cri", { level: options.logLevel ?? "info", sink: options.logSink });
  const config = loadCriConfig(paths.criConfig);
  const stateDir = join(paths.stateDir, "cri");
  Deno.mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const store = new CriStore(join(stateDir, "cri.db"));
  const daemon = createClient(ControlService, createUnixTransport(paths.daemonSocket));
  const logs = new ContainerLogs({ daemon, store, log });
  const ctx: CriContext = {
    daemon,
    store,
    logs,
    log,
    bootTimeoutMs: options.bootTimeoutMs ?? 300_000,
    kubeletPodsDir: join(config.kubeletRootDir, "pods"),
  };
  // Containers that were running when protect-cri stopped: their logs carry on.
  for (const c of store.containers()) logs.follow(c);
  const requests = new StreamingRequests();
  const streamingServer = await startStreamingServer({
    address: options.streamingAddress ?? config.streamingAddress,
    port: options.streamingPort ?? config.streamingPort,
    requests,
    handle: streamingHandler(ctx),
    handleWebSocket: webSocketHandler(ctx),
    log,
  });
  const streaming = { requests, baseUrl: () => streamingServer.baseUrl };
  const server = await serveGrpcUnix({
    path: paths.criSocket,
    log,
    interceptors: [errorInterceptor(log)],
    readMaxBytes: 16 * 1024 * 1024,
    routes: (router) => {
      router.service(RuntimeService, runtimeService(ctx, streaming));
      router.service(ImageService, imageHandlers(ctx));
    },
  });
  shareSocketWithGroup(paths.criSocket, config.socketGroup, log);
  log.info("protect-cri serving", {
    socket: paths.criSocket,
    daemon: paths.daemonSocket,
    streaming: streamingServer.baseUrl,
  });
  return {
    paths,
    close: async () => {
      await logs.close();
      await streamingServer.close();
      await server.close();
      store.close();
      log.info("protect-cri stopped");
    },
  };
}
