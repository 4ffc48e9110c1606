import {
  create,
  type DescMethodServerStreaming,
  fromBinary,
  type MessageInitShape,
  type MessageShape,
  toBinary,
} from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  codeFromHttpStatus,
  endStreamFlag,
  endStreamFromJson,
  errorFromJsonBytes,
} from "@connectrpc/connect/protocol-connect";
import { concat } from "../bytes/mod.ts";

/** Envelope header: one flags byte, then the message length (big-endian uint32). */
const HEAD = 5;
/** As the connect transports here (transports.ts): no message is bigger. */
const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

/**
 * A server-streaming call to a Unix socket that may run for days (protect-network and
 * protect-cri follow the daemon's WatchEvents for as long as they run), with connect's protocol
 * pieces but not its client runtime: connect-es 2.3.0 races every read against a promise that
 * settles only when the call ends (`Promise.race([it.next(), aborted])` in run-call.js), and
 * V8 keeps each race's result reachable from that pending promise, so a long call held every
 * message it had received (measured: +1.7 KB of heap per event, for good). This reads the Connect
 * envelope stream itself. Errors are ConnectErrors as from a connect client.
 */
export async function* serverStream<
  M extends DescMethodServerStreaming,
>(
  socket: string,
  method: M,
  input: MessageInitShape<M["input"]>,
  signal?: AbortSignal,
): AsyncGenerator<MessageShape<M["output"]>> {
  const client = Deno.createHttpClient({
    proxy: { transport: "unix", path: socket },
    http2: true,
    http1: false,
  });
  try {
    const message = toBinary(method.input, create(method.input, input));
    const body = new Uint8Array(HEAD + message.length);
    new DataView(body.buffer).setUint32(1, message.length);
    body.set(message, HEAD);
    let response: Response;
    try {
      response = await fetch(`http://protect.local/${method.parent.typeName}/${method.name}`, {
        method: "POST",
        headers: {
          "content-type": "application/connect+proto",
          "connect-protocol-version": "1",
        },
        body,
        signal,
        client,
      });
    } catch (e) {
      throw ConnectError.from(e);
    }
    if (response.status !== 200) {
      const bytes = new Uint8Array(await response.arrayBuffer());
      throw errorFromJsonBytes(
        bytes,
        response.headers,
        new ConnectError(`HTTP ${response.status}`, codeFromHttpStatus(response.status)),
      );
    }
    for await (const { flags, data } of envelopes(response.body!)) {
      if ((flags & endStreamFlag) === endStreamFlag) {
        const end = endStreamFromJson(data);
        if (end.error) throw end.error;
        return;
      }
      yield fromBinary(method.output, data) as MessageShape<M["output"]>;
    }
    throw new ConnectError("the stream ended without its end-of-stream message", Code.Unavailable);
  } catch (e) {
    throw e instanceof ConnectError ? e : ConnectError.from(e);
  } finally {
    client.close();
  }
}

/** The Connect envelopes of a response body, each as its flags and its bytes. */
async function* envelopes(
  body: ReadableStream<Uint8Array>,
): AsyncGenerator<{ flags: number; data: Uint8Array }> {
  let buffer: Uint8Array = new Uint8Array(0);
  for await (const chunk of body) {
    buffer = buffer.length ? concat([buffer, chunk]) : chunk;
    while (buffer.length >= HEAD) {
      const length = new DataView(buffer.buffer, buffer.byteOffset).getUint32(1);
      if (length > MAX_MESSAGE_BYTES) {
        throw new ConnectError(
          `a ${length}-byte message is over the limit`,
          Code.ResourceExhausted,
        );
      }
      if (buffer.length < HEAD + length) break;
      yield { flags: buffer[0], data: buffer.slice(HEAD, HEAD + length) };
      buffer = buffer.subarray(HEAD + length);
    }
  }
  if (buffer.length) throw new ConnectError("the stream ended inside a message", Code.Unavailable);
}
