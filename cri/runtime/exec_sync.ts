import type { ExecSyncResponse } from "../../proto/gen/k8s.io/cri-api/pkg/apis/runtime/v1/api_pb.ts";
import { DeadlineExceededError, InvalidArgumentError } from "../../lib/errors/mod.ts";
import type { CriContext } from "./cri_context.ts";

/** ExecSync output kept at most (kubelet's probes read a little; a flood is cut here). */
const MAX_OUTPUT = 16 * 1024 * 1024;

/**
 * Runs a command in the container's workload and collects its output and exit code
 * (kubelet's exec probes). `timeoutSeconds` 0 means no limit; past it the exec is cut off
 * and the call fails with DeadlineExceeded.
 */
export async function execSync(
  ctx: CriContext,
  workloadId: string,
  cmd: string[],
  timeoutSeconds: number,
): Promise<Omit<ExecSyncResponse, "$typeName">> {
  if (cmd.length === 0) throw new InvalidArgumentError("cmd", "must not be empty");
  const abort = new AbortController();
  const timer = timeoutSeconds > 0
    ? setTimeout(() => abort.abort(), timeoutSeconds * 1000)
    : undefined;
  const out = { stdout: [] as Uint8Array[], stderr: [] as Uint8Array[], bytes: 0 };
  let exitCode = -1;
  try {
    const requests = (async function* () {
      yield { workloadId, spec: { args: cmd } };
      yield { stdinClosed: true };
    })();
    for await (
      const { output } of ctx.daemon.execInsideWorkload(requests, { signal: abort.signal })
    ) {
      if (!output) continue;
      for (const name of ["stdout", "stderr"] as const) {
        const data = output[name];
        if (data.length === 0 || out.bytes + data.length > MAX_OUTPUT) continue;
        out[name].push(data);
        out.bytes += data.length;
      }
      if (output.exited) exitCode = output.exitCode;
    }
  } catch (e) {
    if (abort.signal.aborted) {
      throw new DeadlineExceededError(`command timed out after ${timeoutSeconds} s`);
    }
    throw e;
  } finally {
    clearTimeout(timer);
  }
  return { stdout: concat(out.stdout), stderr: concat(out.stderr), exitCode };
}

function concat(parts: Uint8Array[]): Uint8Array {
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  return all;
}
