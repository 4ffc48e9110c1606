import { fromBinary, fromJsonString } from "@bufbuild/protobuf";
import type { DescMethod } from "@bufbuild/protobuf";

/**
 * Why a Connect unary request body is not the method's input message, or undefined. The
 * Connect handler reports a body it cannot parse as `internal` (a server fault); a bad body
 * is the caller's, so the server answers it `invalid_argument` with this reason first.
 * Other protocols (gRPC's enveloped bodies) are left to the handler.
 */
export function unaryBodyProblem(
  method: DescMethod,
  contentType: string,
  body: Uint8Array,
): string | undefined {
  const type = contentType.split(";")[0].trim().toLowerCase();
  const name = method.input.typeName;
  try {
    if (type === "application/proto") fromBinary(method.input, body);
    else if (type === "application/json") {
      fromJsonString(method.input, new TextDecoder().decode(body));
    }
    return undefined;
  } catch (e) {
    return `the request body is not a ${name} message: ${(e as Error).message.slice(0, 200)}`;
  }
}

/** A Connect unary error response (the protocol's JSON error body). */
export function connectErrorResponse(status: number, code: string, message: string): Response {
  return new Response(JSON.stringify({ code, message }), {
    status,
    headers: { "content-type": "application/json" },
  });
}
