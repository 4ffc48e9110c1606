import type { WebSocketConnection } from "./websocket.ts";

/** One message of a channel protocol: which channel, and its bytes. */
export interface ChannelMessage {
  channel: number;
  data: Uint8Array;
}

/**
 * kubelet's WebSocket channel framing (wsstream): a binary message starts with its channel
 * byte; the `base64` protocols send text, the channel as a digit, then the data in base64.
 */
export function wsChannels(ws: WebSocketConnection, protocol: string) {
  const base64 = protocol.includes("base64");
  return {
    send(channel: number, data: Uint8Array): void {
      if (base64) {
        let binary = "";
        for (const byte of data) binary += String.fromCharCode(byte);
        ws.send(new TextEncoder().encode(`${channel}${btoa(binary)}`), true);
        return;
      }
      const message = new Uint8Array(data.length + 1);
      message[0] = channel;
      message.set(data, 1);
      ws.send(message);
    },
    async *receive(): AsyncGenerator<ChannelMessage> {
      for await (const m of ws.messages()) {
        if (base64) {
          const text = new TextDecoder().decode(m.data);
          yield {
            channel: Number(text[0]),
            data: Uint8Array.from(atob(text.slice(1)), (c) => c.charCodeAt(0)),
          };
        } else if (m.data.length > 0) {
          yield { channel: m.data[0], data: m.data.subarray(1) };
        }
      }
    },
  };
}
