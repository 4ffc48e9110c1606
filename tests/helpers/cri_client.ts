/**
 * An independent CRI client for tests: @grpc/grpc-js with @grpc/proto-loader on the
 * unmodified upstream api.proto (proto/vendor), as kubelet and crictl see the API,
 * not our generated code. Calls are promisified; errors keep their gRPC status code.
 */
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { fileURLToPath } from "node:url";

const vendor = fileURLToPath(new URL("../../proto/vendor", import.meta.url));

// deno-lint-ignore no-explicit-any
type Any = any;

export interface CriClient {
  runtime: Record<
    string,
    (request: Any, options?: { deadlineMs?: number; metadata?: grpc.Metadata }) => Promise<Any>
  >;
  image: Record<
    string,
    (request: Any, options?: { deadlineMs?: number; metadata?: grpc.Metadata }) => Promise<Any>
  >;
  close(): void;
}

/** A gRPC error's status code (grpc.status), or undefined for another failure. */
export const grpcCode = (e: unknown) => (e as { code?: number }).code;

/**
 * A gRPC error's message. connect-node percent-encodes grpc-message more than the spec
 * asks (":" too) and grpc-js undoes it with decodeURI, which leaves those: decode fully.
 */
export const grpcMessage = (e: unknown) => {
  const text = (e as { details?: string }).details ?? String(e);
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
};

function promisify(client: Any): CriClient["runtime"] {
  const calls: CriClient["runtime"] = {};
  for (const name of Object.keys(Object.getPrototypeOf(client))) {
    if (typeof client[name] !== "function" || name[0] !== name[0].toLowerCase()) continue;
    calls[name] = (request, options = {}) =>
      new Promise((resolve, reject) => {
        const deadline = new Date(Date.now() + (options.deadlineMs ?? 120_000));
        client[name](
          request,
          options.metadata ?? new grpc.Metadata(),
          { deadline },
          (e: Error, r: Any) => e ? reject(e) : resolve(r),
        );
      });
  }
  return calls;
}

/** Connects to a CRI server on a Unix socket. */
export function connectCri(socket: string): CriClient {
  const definition = protoLoader.loadSync("k8s.io/cri-api/pkg/apis/runtime/v1/api.proto", {
    includeDirs: [vendor],
    keepCase: false,
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  const pkg = grpc.loadPackageDefinition(definition) as Any;
  const credentials = grpc.credentials.createInsecure();
  const runtime = new pkg.runtime.v1.RuntimeService(`unix://${socket}`, credentials);
  const image = new pkg.runtime.v1.ImageService(`unix://${socket}`, credentials);
  return {
    runtime: promisify(runtime),
    image: promisify(image),
    close: () => {
      runtime.close();
      image.close();
    },
  };
}
