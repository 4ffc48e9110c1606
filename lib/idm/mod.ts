/**
 * IDM: framed protobuf messaging between the daemon and zone agents —
 * frames with CRC32 and resynchronisation, requests with timeouts, events,
 * and streams with credit-based flow control, over any byte transport.
 */
export { DEFAULT_MAX_FRAME_BYTES, encodeFrame, HEADER_BYTES } from "./frame.ts";
export { type DecoderStats, FrameDecoder } from "./frame_decoder.ts";
export { type Direction, IdmPeer, type PeerOptions, type PeerStats } from "./peer.ts";
export { IdmStream } from "./stream.ts";
export { connectUnix, connTransport, type IdmTransport, transportPair } from "./transport.ts";
