import type {
  AttachRequest,
  ExecRequest,
  PortForwardRequest,
} from "../../proto/gen/k8s.io/cri-api/pkg/apis/runtime/v1/api_pb.ts";

/** A streaming request kubelet was given a URL for, resolved to protect's IDs. */
export type StreamingRequest =
  | { kind: "exec"; workloadId: string; request: ExecRequest }
  | { kind: "attach"; workloadId: string; stdinOnce: boolean; request: AttachRequest }
  | { kind: "portforward"; zoneId: string; request: PortForwardRequest };

/** How long a URL stays good (kubelet's streaming server uses one minute). */
export const TOKEN_TTL_MS = 60_000;
const MAX_PENDING = 1024;

/** Single-use tokens for the streaming URLs, each good for a minute. */
export class StreamingRequests {
  #pending = new Map<string, { request: StreamingRequest; expires: number }>();

  constructor(private readonly now = () => Date.now()) {}

  /** A new token for `request`. */
  add(request: StreamingRequest): string {
    this.#prune();
    if (this.#pending.size >= MAX_PENDING) throw new Error("too many streaming requests pending");
    const token = Array.from(
      crypto.getRandomValues(new Uint8Array(16)),
      (b) => b.toString(16).padStart(2, "0"),
    ).join("");
    this.#pending.set(token, { request, expires: this.now() + TOKEN_TTL_MS });
    return token;
  }

  /** The request of `token`, which is then spent; undefined if unknown, spent or expired. */
  take(token: string): StreamingRequest | undefined {
    const entry = this.#pending.get(token);
    this.#pending.delete(token);
    return entry && entry.expires > this.now() ? entry.request : undefined;
  }

  #prune(): void {
    const now = this.now();
    for (const [token, entry] of this.#pending) {
      if (entry.expires <= now) this.#pending.delete(token);
    }
  }
}
