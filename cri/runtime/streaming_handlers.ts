import type { ServiceImpl } from "@connectrpc/connect";
import type { RuntimeService } from "../../proto/gen/k8s.io/cri-api/pkg/apis/runtime/v1/api_pb.ts";
import { WorkloadState } from "../../proto/mod.ts";
import { FailedPreconditionError, InvalidArgumentError } from "../../lib/errors/mod.ts";
import { getContainer, getPod } from "../state/lookup.ts";
import { RequestQueue } from "../../lib/async/mod.ts";
import { servePortForward } from "../streaming/port_forward.ts";
import { servePortForwardWs, websocketPorts } from "../streaming/port_forward_ws.ts";
import {
  type RemoteCommandIo,
  type RemoteCommandResult,
  serveRemoteCommand,
} from "../streaming/remote_command.ts";
import type { StreamingRequest, StreamingRequests } from "../streaming/streaming_requests.ts";
import type { StreamingHandler, WebSocketHandler } from "../streaming/streaming_server.ts";
import { serveRemoteCommandWs } from "../streaming/remote_command_ws.ts";
import type { CriContext } from "./cri_context.ts";

/** How long a tty exec waits for the client's first terminal size before it starts. */
const FIRST_SIZE_WAIT_MS = 1000;

/** Where the streaming URLs point, and the tokens they carry. */
export interface Streaming {
  requests: StreamingRequests;
  /** `http://host:port` of the streaming server; read when a URL is made. */
  baseUrl: () => string;
}

/** Feeds the client's stdin (and its end) and terminal sizes into a request queue. */
function pumpInput<T>(
  io: RemoteCommandIo,
  queue: RequestQueue<T>,
  as: {
    stdin(data: Uint8Array): T;
    end(): T | undefined;
    size(s: { rows: number; columns: number }): T;
  },
): void {
  (async () => {
    if (io.stdin) { for await (const chunk of io.stdin) queue.push(as.stdin(chunk)); }
    const end = as.end();
    if (end) queue.push(end);
  })().catch(() => {});
  (async () => {
    if (io.resizes) { for await (const size of io.resizes) queue.push(as.size(size)); }
  })().catch(() => {});
}

/** An exec through the daemon (`ExecInsideWorkload`), wired to the client's streams. */
async function runExec(
  ctx: CriContext,
  workloadId: string,
  cmd: string[],
  tty: boolean,
  io: RemoteCommandIo,
): Promise<RemoteCommandResult> {
  type Request = {
    workloadId?: string;
    spec?: { args: string[]; tty: boolean };
    stdin?: Uint8Array;
    stdinClosed?: boolean;
    terminalSize?: { rows: number; columns: number };
  };
  const queue = new RequestQueue<Request>();
  // client-go sends the terminal's size first thing: the command starts at that size.
  const resizes = tty && io.resizes ? io.resizes[Symbol.asyncIterator]() : undefined;
  const first = resizes
    ? await Promise.race([
      resizes.next().then((r) => r.done ? undefined : r.value),
      new Promise<undefined>((r) => setTimeout(() => r(undefined), FIRST_SIZE_WAIT_MS)),
    ])
    : undefined;
  queue.push({ workloadId, spec: { args: cmd, tty }, ...(first && { terminalSize: first }) });
  if (resizes) io = { ...io, resizes: { [Symbol.asyncIterator]: () => resizes } };
  pumpInput(io, queue, {
    stdin: (stdin) => ({ stdin }),
    end: () => ({ stdinClosed: true }),
    size: (terminalSize) => ({ terminalSize }),
  });
  try {
    for await (const { output } of ctx.daemon.execInsideWorkload(queue)) {
      if (!output) continue;
      if (output.stdout.length) await io.stdout(output.stdout);
      if (output.stderr.length) await io.stderr(output.stderr);
      if (output.exited) {
        return output.error ? { error: output.error } : { exitCode: output.exitCode };
      }
    }
    return { error: "the exec ended without an exit code" };
  } finally {
    queue.end();
  }
}

/** An attach through the daemon (`AttachWorkloadConsole`); a client that leaves detaches. */
async function runAttach(
  ctx: CriContext,
  workloadId: string,
  stdinOnce: boolean,
  io: RemoteCommandIo,
): Promise<RemoteCommandResult> {
  type Request = {
    workloadId?: string;
    stdin?: Uint8Array;
    stdinClosed?: boolean;
    terminalSize?: { rows: number; columns: number };
  };
  const queue = new RequestQueue<Request>();
  queue.push({ workloadId });
  pumpInput(io, queue, {
    stdin: (stdin) => ({ stdin }),
    // stdin_once: the container's stdin closes with the first attach's (as in Docker).
    end: () => stdinOnce ? { stdinClosed: true } : undefined,
    size: (terminalSize) => ({ terminalSize }),
  });
  try {
    for await (const r of ctx.daemon.attachWorkloadConsole(queue)) {
      if (r.stdout.length) await io.stdout(r.stdout);
      if (r.stderr.length) await io.stderr(r.stderr);
      if (r.exited) return r.error ? { error: r.error } : { exitCode: r.exitCode };
    }
    return { exitCode: 0 };
  } finally {
    queue.end();
  }
}

type RemoteCommand = Extract<StreamingRequest, { kind: "exec" | "attach" }>;

/** An exec or attach's options, command, and how it runs, whatever carries its streams. */
function remoteCommand(ctx: CriContext, request: RemoteCommand, protocol: string) {
  const r = request.request;
  const options = { stdin: r.stdin, stdout: r.stdout, stderr: r.stderr, tty: r.tty, protocol };
  if (request.kind === "exec") {
    const cmd = request.request.cmd;
    const run = (io: RemoteCommandIo) => runExec(ctx, request.workloadId, cmd, r.tty, io);
    return { options, command: cmd, run };
  }
  const run = (io: RemoteCommandIo) => runAttach(ctx, request.workloadId, request.stdinOnce, io);
  return { options, command: [] as string[], run };
}

/** The pod's address (its zone's), if it has a network. */
async function podAddress(ctx: CriContext, zoneId: string): Promise<string | undefined> {
  const { zone } = await ctx.daemon.getZone({ zoneId });
  return zone?.status?.ipv4 || zone?.status?.ipv6 || undefined;
}

/** What the streaming server does with each kind of upgraded request. */
export function streamingHandler(ctx: CriContext): StreamingHandler {
  return async (request: StreamingRequest, session, accept, protocol) => {
    if (request.kind === "portforward") {
      const host = await podAddress(ctx, request.zoneId);
      return await servePortForward(session, accept, { host, ports: request.request.port });
    }
    const { options, command, run } = remoteCommand(ctx, request, protocol);
    await serveRemoteCommand(session, accept, options, command, run);
  };
}

/** Exec, Attach and PortForward over a WebSocket. */
export function webSocketHandler(ctx: CriContext): WebSocketHandler {
  return async (request, ws, protocol, query) => {
    if (request.kind === "portforward") {
      const target = { host: await podAddress(ctx, request.zoneId), ports: request.request.port };
      let ports: number[];
      try {
        ports = websocketPorts(query, target);
      } catch (e) {
        // kubelet answers 400 before the upgrade; here the upgrade is done: close with why.
        ws.close(1008, (e as Error).message);
        return;
      }
      return await servePortForwardWs(ws, protocol, ports, target);
    }
    const { options, command, run } = remoteCommand(ctx, request, protocol);
    await serveRemoteCommandWs(ws, protocol, options, command, run);
  };
}

/** Exec, Attach and PortForward: each answers with a single-use URL on the streaming server. */
export function streamingRpcHandlers(
  ctx: CriContext,
  streaming: Streaming,
): Partial<ServiceImpl<typeof RuntimeService>> {
  const running = async (containerId: string) => {
    const c = getContainer(ctx.store, containerId);
    const { workload } = await ctx.daemon.getWorkload({ workloadId: c.workloadId });
    if (workload?.status?.state !== WorkloadState.RUNNING) {
      throw new FailedPreconditionError(`container ${c.id} is not running`);
    }
    return c;
  };
  const checkStreams = (r: { stdin: boolean; stdout: boolean; stderr: boolean; tty: boolean }) => {
    if (!r.stdin && !r.stdout && !r.stderr) {
      throw new InvalidArgumentError("stdin", "one of stdin, stdout and stderr must be true");
    }
    if (r.tty && r.stderr) throw new InvalidArgumentError("stderr", "a tty has no separate stderr");
  };
  const url = (kind: string, token: string) => `${streaming.baseUrl()}/${kind}/${token}`;
  return {
    async exec(request) {
      if (request.cmd.length === 0) throw new InvalidArgumentError("cmd", "must not be empty");
      checkStreams(request);
      const c = await running(request.containerId);
      const token = streaming.requests.add({ kind: "exec", workloadId: c.workloadId, request });
      return { url: url("exec", token) };
    },

    async attach(request) {
      checkStreams(request);
      const c = await running(request.containerId);
      if (request.stdin && !c.config.stdin) {
        throw new FailedPreconditionError(`container ${c.id} was created without stdin`);
      }
      if (request.tty !== c.config.tty) {
        throw new InvalidArgumentError("tty", `must match the container's (${c.config.tty})`);
      }
      const token = streaming.requests.add({
        kind: "attach",
        workloadId: c.workloadId,
        stdinOnce: c.config.stdinOnce,
        request,
      });
      return { url: url("attach", token) };
    },

    portForward(request) {
      const pod = getPod(ctx.store, request.podSandboxId);
      if (!pod.ready) throw new FailedPreconditionError(`pod sandbox ${pod.id} is not ready`);
      for (const port of request.port) {
        if (port < 1 || port > 65535) {
          throw new InvalidArgumentError("port", `${port} is not a port`);
        }
      }
      const token = streaming.requests.add({ kind: "portforward", zoneId: pod.zoneId, request });
      return { url: url("portforward", token) };
    },
  };
}
