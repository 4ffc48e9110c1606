import assert from "node:assert/strict";
import * as net from "node:net";
import { SpdySession, type SpdyStream } from "./spdy_session.ts";
import { servePortForward } from "./port_forward.ts";

async function readAll(stream: SpdyStream): Promise<string> {
  let text = "";
  for await (const chunk of stream) text += new TextDecoder().decode(chunk);
  return text;
}

Deno.test("port-forward relays a connection to the pod's port; a port not asked for is refused", async () => {
  const echo = net.createServer((socket) => socket.on("data", (d) => socket.end(`echo:${d}`)));
  await new Promise<void>((r) => echo.listen(0, "127.0.0.1", r));
  const port = (echo.address() as net.AddressInfo).port;
  const path = `${Deno.makeTempDirSync()}/pf.sock`;
  const listener = net.createServer((socket) => {
    let accept: ((s: SpdyStream) => void) | undefined;
    const early: SpdyStream[] = [];
    const session = new SpdySession(socket, true, (s) => accept ? accept(s) : early.push(s));
    servePortForward(session, (l) => {
      accept = l;
      early.splice(0).forEach(l);
    }, { host: "127.0.0.1", ports: [port] });
  });
  await new Promise<void>((r) => listener.listen(path, r));
  const socket = net.connect(path);
  await new Promise<void>((r) => socket.once("connect", () => r()));
  const client = new SpdySession(socket, false);

  const error = await client.openStream({
    streamtype: "error",
    port: String(port),
    requestid: "1",
  });
  const data = await client.openStream({ streamtype: "data", port: String(port), requestid: "1" });
  await data.write(new TextEncoder().encode("ping"));
  data.close();
  assert.equal(await readAll(data), "echo:ping");
  assert.equal(await readAll(error), "", "no error");

  const badError = await client.openStream({ streamtype: "error", port: "1", requestid: "2" });
  await client.openStream({ streamtype: "data", port: "1", requestid: "2" });
  assert.match(await readAll(badError), /port 1 was not asked for/);

  client.close();
  listener.close();
  echo.close();
});
