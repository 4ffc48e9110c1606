/**
 * Deno 2.9 loads its timers (Node's, with their error and inspect modules) on
 * first use of setTimeout or clearTimeout: about 20 ms of a CLI call. Connect
 * calls clearTimeout(undefined) after every RPC without a deadline, so every
 * command paid for timers it never set. After this, clearTimeout of nothing is
 * a no-op, and the real one loads only once there can be a timer to clear.
 */
export function skipClearingNoTimer(): void {
  const original = Object.getOwnPropertyDescriptor(globalThis, "clearTimeout");
  if (!original) return;
  // A getter (Deno's lazy global) or a plain value (a runtime that loads eagerly).
  const real = (): typeof clearTimeout =>
    original.get ? original.get.call(globalThis) : original.value;
  Object.defineProperty(globalThis, "clearTimeout", {
    configurable: true,
    enumerable: original.enumerable,
    writable: true,
    value: (id?: number) => {
      if (id !== undefined && id !== null) real()(id);
    },
  });
}
