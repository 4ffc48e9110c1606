import { WorkloadState } from "../../proto/mod.ts";
import { LIVE_WORKLOAD_STATES } from "./workload_rules.ts";

/** Callers waiting for a workload to run (input for an attach made before its start). */
export class StartWaiters {
  #waiters = new Map<string, Set<(running: boolean) => void>>();

  /** True once the workload runs; false if it ended (or was never going to run) first. */
  wait(id: string, state: WorkloadState | undefined): Promise<boolean> {
    if (state === undefined || !LIVE_WORKLOAD_STATES.has(state)) return Promise.resolve(false);
    if (state === WorkloadState.RUNNING) return Promise.resolve(true);
    const { promise, resolve } = Promise.withResolvers<boolean>();
    const waiters = this.#waiters.get(id) ?? new Set();
    waiters.add(resolve);
    this.#waiters.set(id, waiters);
    return promise;
  }

  /** The workload moved to `state`: past CREATED, every waiter has its answer. */
  settle(id: string, state: WorkloadState): void {
    if (state === WorkloadState.CREATING || state === WorkloadState.CREATED) return;
    for (const resolve of this.#waiters.get(id) ?? []) resolve(state === WorkloadState.RUNNING);
    this.#waiters.delete(id);
  }
}
