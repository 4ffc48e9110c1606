import type { Interceptor } from "@connectrpc/connect";
import { toConnectError } from "../errors/mod.ts";
import type { Logger } from "../log/mod.ts";

/**
 * Server interceptor: turns typed protect errors into Connect codes and logs
 * unexpected ones, so no known condition reaches a client as `Unknown`.
 */
export function errorInterceptor(log?: Logger): Interceptor {
  return (next) => async (request) => {
    try {
      const response = await next(request);
      if (!response.stream) return response;
      // Streaming responses fail while iterating; map those errors too.
      const source = response.message;
      return {
        ...response,
        message: (async function* () {
          try {
            yield* source;
          } catch (e) {
            throw toConnectError(e);
          }
        })(),
      };
    } catch (e) {
      const error = toConnectError(e);
      if (!(e instanceof Error) || e.name === "Error" || e.name === "TypeError") {
        log?.error("unexpected error in RPC", { rpc: request.method.name, error: e });
      }
      throw error;
    }
  };
}
