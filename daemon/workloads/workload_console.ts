import { create, type MessageInitShape, toBinary } from "@bufbuild/protobuf";
import { WorkloadInputSchema } from "../../proto/gen/protect/idm/v1/idm_pb.ts";
import {
  type AttachWorkloadConsoleRequest,
  type AttachWorkloadConsoleResponseSchema,
  WorkloadState,
} from "../../proto/mod.ts";
import { FailedPreconditionError, InvalidArgumentError } from "../../lib/errors/mod.ts";
import type { IdmPeer } from "../../lib/idm/mod.ts";
import type { HypervisorDriver } from "../hypervisor/mod.ts";
import type { WorkloadRecord, WorkloadStore } from "../state/mod.ts";
import type { WorkloadLogs } from "./workload_logs.ts";
import { LIVE_WORKLOAD_STATES } from "./workload_rules.ts";

export type AttachResponse = MessageInitShape<typeof AttachWorkloadConsoleResponseSchema>;

/** What an attach needs from the workload manager. */
export interface ConsoleDeps {
  workloads: WorkloadStore;
  logs: WorkloadLogs;
  driver: HypervisorDriver;
  /** True once the workload runs; false if it ended first. */
  untilStarted(id: string): Promise<boolean>;
  /** The last record of a workload removed with --rm. */
  removed(id: string): WorkloadRecord | undefined;
  /** An attach before the start gave its terminal's size: the start takes it along. */
  noteTerminalSize(id: string, size: { rows: number; columns: number }): void;
}

/**
 * Attaches a client to a workload's console: output (from the start with `replay`) until
 * the workload ends, then its exit code; input and terminal sizes go to the workload,
 * which must have been started with a tty or open stdin to take them. Ending the request
 * stream detaches and leaves the workload running.
 */
export async function* attachConsole(
  deps: ConsoleDeps,
  requests: AsyncIterable<AttachWorkloadConsoleRequest>,
  signal?: AbortSignal,
): AsyncGenerator<AttachResponse> {
  const it = requests[Symbol.asyncIterator]();
  const first = await it.next();
  if (first.done) {
    throw new InvalidArgumentError("workload_id", "the first request names the workload");
  }
  const header = first.value;
  if (header.workloadId === "") throw new InvalidArgumentError("workload_id", "is required");
  const w = deps.workloads.get(header.workloadId);
  const interactive = (w.spec.process?.tty || w.spec.process?.stdin) ?? false;
  const live = LIVE_WORKLOAD_STATES.has(w.state);
  if (header.terminalSize && w.spec.process?.tty && w.state === WorkloadState.CREATED) {
    deps.noteTerminalSize(w.id, header.terminalSize);
  }
  const forward = async (r: AttachWorkloadConsoleRequest, peer: IdmPeer) => {
    const size = r.terminalSize;
    if (!r.stdin.length && !r.stdinClosed && !size) return;
    if (!interactive) {
      throw new FailedPreconditionError(
        `workload ${w.name} takes no input: it was started without a tty or stdin (launch -t/-i)`,
      );
    }
    await peer.sendEvent(
      "workload.input",
      toBinary(
        WorkloadInputSchema,
        create(WorkloadInputSchema, {
          workloadId: w.id,
          stdin: r.stdin,
          stdinClosed: r.stdinClosed,
          rows: size?.rows ?? 0,
          columns: size?.columns ?? 0,
        }),
      ),
    );
  };
  const abort = new AbortController();
  signal?.addEventListener("abort", () => abort.abort(), { once: true });
  let inputError: Error | undefined;
  if (live && interactive) {
    (async () => {
      // Input waits for the process: a workload attached before its start takes none yet.
      if (!(await deps.untilStarted(w.id))) return;
      const peer = await deps.driver.channel!(w.zoneId);
      await forward(header, peer);
      while (true) {
        const next = await it.next();
        if (next.done) break;
        await forward(next.value, peer);
      }
    })().catch((e) => {
      inputError = e as Error;
      abort.abort();
    });
  } else if (header.stdin.length || header.stdinClosed) {
    throw new FailedPreconditionError(
      live
        ? `workload ${w.name} takes no input: it was started without a tty or stdin (launch -t/-i)`
        : `workload ${w.name} is ${WorkloadState[w.state]}: it takes no input`,
    );
  }
  const output = deps.logs.read(w.id, live, abort.signal, header.replay);
  yield {}; // attached: a client may start the workload now and miss nothing
  for await (const chunk of output) yield { [chunk.stream]: chunk.data };
  if (inputError) throw inputError;
  const ended = deps.workloads.find(w.id) ?? deps.removed(w.id);
  if (ended?.state === WorkloadState.COMPLETED || ended?.state === WorkloadState.FAILED) {
    const error = ended.state === WorkloadState.FAILED ? ended.error || "failed" : "";
    yield { exited: true, exitCode: ended.exitCode, error, reason: ended.reason ?? "" };
  }
}
