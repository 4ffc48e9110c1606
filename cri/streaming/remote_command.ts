import type { SpdySession, SpdyStream } from "./spdy_session.ts";

/** Remote command protocols, newest first (kubelet's order of preference). */
export const REMOTE_COMMAND_PROTOCOLS = [
  "v4.channel.k8s.io",
  "v3.channel.k8s.io",
  "v2.channel.k8s.io",
  "channel.k8s.io",
];

/** How long the client has to open every stream it said it would. */
const STREAMS_WAIT_MS = 30_000;
/** A resize message is a small JSON object. */
const MAX_RESIZE_BYTES = 1024;

export interface RemoteCommandOptions {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
  protocol: string;
}

/** What a command gets: the client's input and sizes, and where its output goes. */
export interface RemoteCommandIo {
  stdin?: AsyncIterable<Uint8Array>;
  resizes?: AsyncIterable<{ rows: number; columns: number }>;
  stdout(data: Uint8Array): Promise<void>;
  stderr(data: Uint8Array): Promise<void>;
}

/** How the command ended: its exit code, or why it could not run. */
export type RemoteCommandResult = { exitCode: number } | { error: string };

/** The streams the client opens, by `streamtype`, as kubelet expects them. */
export function expectedStreams(o: RemoteCommandOptions): string[] {
  return [
    "error",
    ...(o.stdin ? ["stdin"] : []),
    ...(o.stdout ? ["stdout"] : []),
    ...(o.stderr && !o.tty ? ["stderr"] : []),
    ...(o.tty && o.protocol !== "channel.k8s.io" && o.protocol !== "v2.channel.k8s.io"
      ? ["resize"]
      : []),
  ];
}

/** The error stream's last word: v4 speaks a JSON metav1.Status, older protocols text. */
export function statusMessage(protocol: string, result: RemoteCommandResult, command: string[]) {
  const failure = "error" in result
    ? result.error
    : result.exitCode === 0
    ? ""
    : `command terminated with non-zero exit code: error executing command ${
      JSON.stringify(command)
    }, exit code ${result.exitCode}`;
  if (protocol !== "v4.channel.k8s.io") return failure;
  if (failure === "") return JSON.stringify({ metadata: {}, status: "Success" });
  return JSON.stringify({
    metadata: {},
    status: "Failure",
    message: failure,
    ...("exitCode" in result && {
      reason: "NonZeroExitCode",
      details: { causes: [{ reason: "ExitCode", message: String(result.exitCode) }] },
    }),
  });
}

/** Terminal sizes from a resize stream: JSON objects `{"Width":W,"Height":H}` in a row. */
export async function* resizesOf(
  stream: AsyncIterable<Uint8Array>,
): AsyncGenerator<{ rows: number; columns: number }> {
  const decoder = new TextDecoder();
  let text = "";
  for await (const chunk of stream) {
    text += decoder.decode(chunk, { stream: true });
    if (text.length > MAX_RESIZE_BYTES * 4) text = text.slice(-MAX_RESIZE_BYTES);
    for (let end = text.indexOf("}"); end >= 0; end = text.indexOf("}")) {
      const start = text.lastIndexOf("{", end);
      const json = start >= 0 ? text.slice(start, end + 1) : "";
      text = text.slice(end + 1);
      try {
        const size = JSON.parse(json) as { Width?: number; Height?: number };
        const rows = Number(size.Height), columns = Number(size.Width);
        if (rows > 0 && columns > 0 && rows < 10_000 && columns < 10_000) yield { rows, columns };
      } catch { /* not a size: skipped */ }
    }
  }
}

/** Waits until the client has opened every stream `names`; rejects past the deadline. */
export function collectStreams(
  session: SpdySession,
  accept: (listener: (s: SpdyStream) => void) => void,
  names: string[],
): Promise<Map<string, SpdyStream>> {
  return new Promise((resolve, reject) => {
    const streams = new Map<string, SpdyStream>();
    const timer = setTimeout(() => {
      reject(
        new Error(
          `the client opened ${[...streams.keys()].join(", ") || "no streams"} of ${
            names.join(", ")
          }`,
        ),
      );
    }, STREAMS_WAIT_MS);
    session.closed.then(() => {
      clearTimeout(timer);
      reject(new Error("the client went away before opening its streams"));
    });
    accept((stream) => {
      const type = stream.headers.get("streamtype") ?? "";
      if (!names.includes(type) || streams.has(type)) return stream.close();
      streams.set(type, stream);
      if (streams.size === names.length) {
        clearTimeout(timer);
        resolve(streams);
      }
    });
  });
}

/**
 * Serves one exec or attach over a SPDY session, as kubelet's remote command server does:
 * waits for the client's streams, runs the command with them, writes its end to the error
 * stream, and closes everything.
 */
export async function serveRemoteCommand(
  session: SpdySession,
  accept: (listener: (s: SpdyStream) => void) => void,
  options: RemoteCommandOptions,
  command: string[],
  run: (io: RemoteCommandIo) => Promise<RemoteCommandResult>,
): Promise<void> {
  const streams = await collectStreams(session, accept, expectedStreams(options));
  const out = (name: string) => {
    const s = streams.get(name);
    return (data: Uint8Array) => s ? s.write(data).catch(() => {}) : Promise.resolve();
  };
  let result: RemoteCommandResult;
  try {
    result = await run({
      stdin: streams.get("stdin"),
      resizes: streams.has("resize") ? resizesOf(streams.get("resize")!) : undefined,
      stdout: out("stdout"),
      stderr: out("stderr"),
    });
  } catch (e) {
    result = { error: (e as Error).message };
  }
  const message = statusMessage(options.protocol, result, command);
  const error = streams.get("error")!;
  if (message) await error.write(new TextEncoder().encode(message)).catch(() => {});
  for (const s of streams.values()) s.close();
  session.close();
}
