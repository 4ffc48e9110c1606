/**
 * A client for the machine-API test, run as another user: connects to ADDR
 * (unix:/path or tcp:host:port), optionally sends a machine-secret preamble,
 * sends one Connect unary request (GetHostStatus) and prints the reply's status
 * line, "closed" when the connection ends with no reply, or the error's name.
 * Usage: deno run -A raw_request.ts ADDR [PREAMBLE]
 */
import { parseAddress } from "../../tools/machine/forwarder.ts";

const [text, preamble] = Deno.args;
const address = parseAddress(text ?? "");
if (!address) throw new Error(`bad address ${text}`);
try {
  const conn = address.transport === "unix"
    ? await Deno.connect({ transport: "unix", path: address.path })
    : await Deno.connect({ hostname: address.hostname, port: address.port });
  const body = "{}";
  const request = `${preamble ? `${preamble}\n` : ""}POST ` +
    `/protect.control.v1.ControlService/GetHostStatus HTTP/1.1\r\nHost: protect.local\r\n` +
    `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n` +
    `Connection: close\r\n\r\n${body}`;
  await conn.write(new TextEncoder().encode(request));
  const reply = new Uint8Array(4096);
  const timer = setTimeout(() => conn.close(), 5_000);
  let n: number | null = null;
  try {
    n = await conn.read(reply);
  } catch { /* reset or closed */ }
  clearTimeout(timer);
  console.log(n ? new TextDecoder().decode(reply.subarray(0, n)).split("\r\n")[0] : "closed");
} catch (e) {
  console.log((e as Error).name);
}
