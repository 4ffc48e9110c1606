/**
 * A kubelet-style streaming client for tests: upgrades an HTTP connection to SPDY/3.1
 * offering X-Stream-Protocol-Version values, then opens named streams as client-go's
 * remotecommand and portforward do (headers `streamtype`, `port`, `requestid`).
 */
import * as net from "node:net";
import { SpdySession, type SpdyStream } from "../../cri/streaming/spdy_session.ts";

export interface Upgraded {
  status: number;
  protocol: string;
  body: string;
  session?: SpdySession;
}

/** POSTs an upgrade to `url`; on 101, a client SPDY session over the connection. */
export async function upgrade(url: string, protocols: string[]): Promise<Upgraded> {
  const u = new URL(url);
  const socket = net.connect(Number(u.port), u.hostname);
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", () => resolve());
    socket.once("error", reject);
  });
  socket.write(
    `POST ${u.pathname} HTTP/1.1\r\nHost: ${u.host}\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n` +
      protocols.map((p) => `X-Stream-Protocol-Version: ${p}\r\n`).join("") + "\r\n",
  );
  let head = "";
  const rest = await new Promise<Uint8Array>((resolve) => {
    const onData = (chunk: Uint8Array) => {
      head += new TextDecoder("latin1").decode(chunk);
      const end = head.indexOf("\r\n\r\n");
      if (end < 0) return;
      socket.off("data", onData);
      socket.pause();
      const extra = new TextEncoder().encode(head.slice(end + 4));
      head = head.slice(0, end);
      resolve(extra);
    };
    socket.on("data", onData);
  });
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);
  const protocol = /x-stream-protocol-version: *(\S+)/i.exec(head)?.[1] ?? "";
  if (status !== 101) {
    socket.destroy();
    return { status, protocol, body: new TextDecoder().decode(rest) };
  }
  const session = new SpdySession(socket, false);
  if (rest.length) socket.unshift(rest);
  socket.resume();
  return { status, protocol, body: "", session };
}

/** Everything a stream sends until its end, as text. */
export async function readAll(stream: SpdyStream): Promise<string> {
  let text = "";
  const decoder = new TextDecoder();
  for await (const chunk of stream) text += decoder.decode(chunk, { stream: true });
  return text;
}
