import type { ServiceImpl } from "@connectrpc/connect";
import type { ControlService } from "../../proto/mod.ts";
import { UnimplementedError } from "../../lib/errors/mod.ts";

type Method = keyof ServiceImpl<typeof ControlService>;

/** Which piece of work brings each RPC that is not built yet. */
const PENDING: Partial<Record<Method, string>> = {};

/**
 * Handlers for RPCs that are not built yet: each answers Unimplemented and
 * names what will bring it, never a fake success.
 */
export function unimplementedHandlers(): Partial<ServiceImpl<typeof ControlService>> {
  return Object.fromEntries(
    Object.entries(PENDING).map(([method, bringer]) => [
      method,
      () => {
        throw new UnimplementedError(`${method} is not available yet: it arrives with ${bringer}`);
      },
    ]),
  );
}
