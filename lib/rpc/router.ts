import { type ConnectRouter, createConnectRouter, type Interceptor } from "@connectrpc/connect";
import type { UniversalHandler } from "@connectrpc/connect/protocol";

/** Registers services on a router; the one shape every protect server provides. */
export type Routes = (router: ConnectRouter) => void;

export interface RouterOptions {
  interceptors?: Interceptor[];
  /** Largest request message accepted, in bytes. */
  readMaxBytes?: number;
}

/** Builds the universal handlers for `routes`, keyed by request path. */
export function buildHandlers(
  routes: Routes,
  options: RouterOptions = {},
): Map<string, UniversalHandler> {
  const router = createConnectRouter({
    interceptors: options.interceptors,
    readMaxBytes: options.readMaxBytes,
  });
  routes(router);
  return new Map(router.handlers.map((h) => [h.requestPath, h]));
}
