import { type Client, Code, ConnectError } from "@connectrpc/connect";
import { type ControlService, ZoneState } from "../../proto/mod.ts";
import { FailedPreconditionError } from "../errors/mod.ts";
import type { Declaration, DeclaredWorkload } from "./declaration.ts";
import type { DeclaredAction } from "./plan.ts";

type ControlClient = Client<typeof ControlService>;

export interface ApplyOptions {
  /** How long a zone may take to boot, or to go (ms). */
  timeoutMs: number;
  signal?: AbortSignal;
  /** Told each step as it starts. */
  onStep?: (action: DeclaredAction) => void;
}

const notFound = (e: unknown) => e instanceof ConnectError && e.code === Code.NotFound;

async function until(what: string, options: ApplyOptions, probe: () => Promise<boolean>) {
  const deadline = Date.now() + options.timeoutMs;
  while (!(await probe())) {
    options.signal?.throwIfAborted();
    if (Date.now() > deadline) {
      throw new FailedPreconditionError(
        `${what}: still not so after ${options.timeoutMs / 1000} s`,
      );
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function destroyZone(client: ControlClient, zoneId: string, name: string, o: ApplyOptions) {
  await client.destroyZone({ zoneId }).catch((e) => {
    if (!notFound(e)) throw e;
  });
  await until(`zone ${name} gone`, o, () =>
    client.getZone({ zoneId }).then(() => false, (e) => {
      if (notFound(e)) return true;
      throw e;
    }));
}

async function createZone(client: ControlClient, decl: Declaration, o: ApplyOptions) {
  const { zoneId } = await client.createZone({ spec: decl.zone });
  await until(`zone ${decl.zone.name} READY`, o, async () => {
    const { zone } = await client.getZone({ zoneId });
    const state = zone?.status?.state;
    if (state === ZoneState.FAILED || state === ZoneState.EXITED) {
      throw new FailedPreconditionError(
        `zone ${decl.zone.name} is ${ZoneState[state]}: ${
          zone?.status?.error || "no reason given"
        }`,
      );
    }
    return state === ZoneState.READY;
  });
}

async function startWorkload(client: ControlClient, w: DeclaredWorkload) {
  await client.createWorkload({ spec: w.spec, start: true });
}

/**
 * Carries out a plan of `planDeclaration` through the control API, in order: zones go and
 * come back READY before their workloads start. Stops at the first failure (the next plan
 * picks up from there).
 */
export async function applyDeclaration(
  client: ControlClient,
  decl: Declaration,
  actions: DeclaredAction[],
  options: ApplyOptions,
): Promise<void> {
  for (const a of actions) {
    options.signal?.throwIfAborted();
    options.onStep?.(a);
    switch (a.kind) {
      case "destroy-zone":
        await destroyZone(client, a.zoneId, a.zone, options);
        break;
      case "replace-zone":
      case "restart-zone":
        await destroyZone(client, a.zoneId, a.zone, options);
        await createZone(client, decl, options);
        break;
      case "create-zone":
        await createZone(client, decl, options);
        break;
      case "create-workload":
        await startWorkload(client, a.workload);
        break;
      case "restart-workload":
        await client.destroyWorkload({ workloadId: a.workloadId }).catch((e) => {
          if (!notFound(e)) throw e;
        });
        await until(
          `workload ${a.workload.spec.name} gone`,
          options,
          () =>
            client.getWorkload({ workloadId: a.workloadId }).then(() => false, (e) => {
              if (notFound(e)) return true;
              throw e;
            }),
        );
        await startWorkload(client, a.workload);
        break;
    }
  }
}
