import assert from "node:assert/strict";
import * as net from "node:net";
import { createLogger } from "../../lib/log/mod.ts";
import { StreamingRequests } from "./streaming_requests.ts";
import { startStreamingServer } from "./streaming_server.ts";
import { servePortForwardWs, websocketPorts } from "./port_forward_ws.ts";

/** Opens a WebSocket and collects its messages until it closes. */
function connect(url: string, protocols: string[]) {
  const ws = new WebSocket(url, protocols);
  ws.binaryType = "arraybuffer";
  const messages: (string | Uint8Array)[] = [];
  const opened = new Promise<void>((resolve, reject) => {
    ws.onopen = () => resolve();
    ws.onerror = () => reject(new Error("websocket error"));
  });
  ws.onmessage = (e) => messages.push(typeof e.data === "string" ? e.data : new Uint8Array(e.data));
  const closed = new Promise<CloseEvent>((resolve) => ws.onclose = resolve);
  return { ws, messages, opened, closed };
}

Deno.test("port-forward over WebSocket: port prefixes, data both ways, binary and base64", async () => {
  const echo = net.createServer((socket) => socket.on("data", (d) => socket.end(`echo:${d}`)));
  await new Promise<void>((r) => echo.listen(0, "127.0.0.1", r));
  const port = (echo.address() as net.AddressInfo).port;
  const requests = new StreamingRequests();
  const server = await startStreamingServer({
    address: "127.0.0.1",
    port: 0,
    requests,
    handle: () => Promise.resolve(),
    handleWebSocket: async (request, ws, protocol, query) => {
      const target = { host: "127.0.0.1", ports: [port] };
      assert.equal(request.kind, "portforward");
      try {
        await servePortForwardWs(ws, protocol, websocketPorts(query, target), target);
      } catch (e) {
        ws.close(1008, (e as Error).message);
      }
    },
    log: createLogger("test", { level: "error" }),
  });
  const url = () => {
    const token = requests.add({
      kind: "portforward",
      zoneId: "z",
      request: { port: [port] } as never,
    });
    return `${server.baseUrl.replace("http", "ws")}/portforward/${token}`;
  };
  const prefix = [port & 0xff, port >> 8];
  try {
    const binary = connect(`${url()}?port=${port}`, ["v4.channel.k8s.io"]);
    await binary.opened;
    assert.equal(binary.ws.protocol, "v4.channel.k8s.io");
    binary.ws.send(new Uint8Array([0, ...new TextEncoder().encode("ping")]));
    await binary.closed;
    const got = binary.messages as Uint8Array[];
    assert.deepEqual([...got[0]], [0, ...prefix], "data channel's port prefix");
    assert.deepEqual([...got[1]], [1, ...prefix], "error channel's port prefix");
    assert.equal(new TextDecoder().decode(got[2].subarray(1)), "echo:ping");
    assert.equal(got[2][0], 0);

    // base64, and the port from PortForward when the URL names none.
    const text = connect(url(), ["v4.base64.channel.k8s.io"]);
    await text.opened;
    text.ws.send(`0${btoa("pong")}`);
    await text.closed;
    assert.equal(text.messages[0], `0${btoa(String.fromCharCode(...prefix))}`);
    assert.equal(text.messages.at(-1), `0${btoa("echo:pong")}`);

    const refused = connect(`${url()}?port=1`, ["v4.channel.k8s.io"]);
    await refused.opened;
    const close = await refused.closed;
    assert.equal(close.code, 1008);
    assert.match(close.reason, /port 1 was not asked for in PortForward/);
  } finally {
    await server.close();
    echo.close();
  }
});
