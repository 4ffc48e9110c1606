import { RequestQueue } from "../../lib/async/mod.ts";
import {
  type RemoteCommandIo,
  type RemoteCommandOptions,
  type RemoteCommandResult,
  resizesOf,
  statusMessage,
} from "./remote_command.ts";
import type { WebSocketConnection } from "./websocket.ts";
import { wsChannels } from "./ws_channels.ts";

/** Remote command over WebSocket, newest first: one message a chunk, its first byte the channel. */
export const WEBSOCKET_PROTOCOLS = [
  "v5.channel.k8s.io",
  "v4.channel.k8s.io",
  "v4.base64.channel.k8s.io",
  "base64.channel.k8s.io",
  "channel.k8s.io",
];

const STDIN = 0, STDOUT = 1, STDERR = 2, ERROR = 3, RESIZE = 4;
/** v5: `[255, channel]` closes the client's side of a channel (stdin's end). */
const CLOSE = 255;

/**
 * Serves one exec or attach over a WebSocket, as kubelet's wsstream does: channel 0 is
 * stdin, 1 stdout, 2 stderr, 3 the error (exit status) channel, 4 resizes; `base64`
 * protocols send text messages, the channel as a digit and the data in base64.
 */
export async function serveRemoteCommandWs(
  ws: WebSocketConnection,
  protocol: string,
  options: RemoteCommandOptions,
  command: string[],
  run: (io: RemoteCommandIo) => Promise<RemoteCommandResult>,
): Promise<void> {
  const channels = wsChannels(ws, protocol);
  const send = channels.send;
  const stdin = new RequestQueue<Uint8Array>();
  const resize = new RequestQueue<Uint8Array>();
  (async () => {
    for await (const { channel, data } of channels.receive()) {
      if (channel === STDIN && options.stdin) stdin.push(data);
      else if (channel === RESIZE && options.tty) resize.push(data);
      else if (channel === CLOSE && data[0] === STDIN) stdin.end();
    }
    stdin.end();
    resize.end();
  })().catch(() => {
    stdin.end();
    resize.end();
  });
  let result: RemoteCommandResult;
  try {
    result = await run({
      stdin: options.stdin ? stdin : undefined,
      resizes: options.tty ? resizesOf(resize) : undefined,
      stdout: (data) => Promise.resolve(options.stdout ? send(STDOUT, data) : undefined),
      stderr: (data) => Promise.resolve(options.stderr ? send(STDERR, data) : undefined),
    });
  } catch (e) {
    result = { error: (e as Error).message };
  }
  // The WebSocket protocols carry v4's JSON status (older ones the text).
  const status = statusMessage(
    protocol.startsWith("v") ? "v4.channel.k8s.io" : protocol,
    result,
    command,
  );
  if (status) send(ERROR, new TextEncoder().encode(status));
  ws.close();
}
