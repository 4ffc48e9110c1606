import { create, fromBinary, type MessageInitShape, toBinary } from "@bufbuild/protobuf";
import {
  type Bootstrap,
  BootstrapSchema,
  type DeviceAttached,
  DeviceAttachedSchema,
  type DeviceDetached,
  DeviceDetachedSchema,
  DeviceSeenSchema,
  type ExecStart,
  ExecStartSchema,
  type FilesHeader,
  FilesHeaderSchema,
  PingSchema,
  PongSchema,
  ReadySchema,
  WorkloadExitSchema,
  type WorkloadInput,
  WorkloadInputSchema,
  WorkloadOutputSchema,
  type WorkloadResourcesUpdate,
  WorkloadResourcesUpdateSchema,
  WorkloadStartSchema,
  WorkloadStatsReportSchema,
  WorkloadStatsRequestSchema,
  type WorkloadStatsSchema,
  WorkloadStopSchema,
  ZoneMetricsReportSchema,
  ZoneResourcesSchema,
} from "../proto/gen/protect/idm/v1/idm_pb.ts";
import type { Logger } from "../lib/log/mod.ts";
import { IdmPeer, type IdmTransport } from "../lib/idm/mod.ts";
import { PROTECT_VERSION } from "../lib/version/mod.ts";
import { applyBootstrap, type System } from "./bootstrap.ts";
import type { RunnerEvents } from "./runtime/workload_runner.ts";
import { runExec, workloadExecCommand, zoneExecCommand } from "./runtime/exec.ts";
import type { CommandProblem } from "./runtime/find_command.ts";
import { MetricsSampler } from "./runtime/metrics.ts";

/** What the agent runs workloads with (the real runner, or a test double). */
export interface Runtime {
  start(spec: ReturnType<typeof fromBinary<typeof WorkloadStartSchema>>): Promise<void>;
  stop(workloadId: string, graceSeconds: number): Promise<void>;
  stateDir(workloadId: string): string;
  /** New cgroup limits for a running workload. */
  updateResources(update: WorkloadResourcesUpdate): Promise<void>;
  /** Resource use of the running workloads among `ids` (all running ones when empty). */
  stats(ids: string[]): Promise<Array<MessageInitShape<typeof WorkloadStatsSchema>>>;
  /** The OCI runtime binary a workload runs under (runc or crun): its exec uses the same. */
  runtimeOf(workloadId: string): string;
  /** Input or a terminal size for a workload started with a tty or open stdin. */
  input(message: WorkloadInput): Promise<void>;
  /** Writes host files copied in for a workload before its start. */
  receiveCopies(header: FilesHeader, entries: AsyncIterable<Uint8Array>): Promise<void>;
  /** Why an exec's command cannot run in its workload (missing: 127, not executable: 126). */
  execProblem(start: ExecStart): CommandProblem | undefined;
  /** Mounts the host directories shared with the zone (bootstrap). */
  mountShares(shares: Bootstrap["shares"]): Promise<void>;
  /** A host device was given to the zone: resolves once the zone sees it (PCI: its addresses). */
  deviceAttached(device: DeviceAttached): Promise<string[]>;
  /** A host device is about to be taken back: throws while a workload mounts it. */
  deviceDetached(device: DeviceDetached): void;
}

export interface AgentState {
  hostname: string;
  /** Where bootstrap writes the DNS servers workloads get as /etc/resolv.conf. */
  resolvConf?: string;
}

/**
 * Runner events go to whichever host connection is current: the agent
 * reconnects after a daemon restart and workloads keep reporting.
 */
export class HostLink implements RunnerEvents {
  peer?: IdmPeer;

  output(workloadId: string, stream: "stdout" | "stderr", data: Uint8Array): void {
    const message = create(WorkloadOutputSchema, { workloadId, [stream]: data });
    this.peer?.sendEvent("workload.output", toBinary(WorkloadOutputSchema, message)).catch(
      () => {},
    );
  }

  exit(workloadId: string, exitCode: number, error?: string, reason?: string): void {
    const message = create(WorkloadExitSchema, {
      workloadId,
      exitCode,
      error: error ?? "",
      reason: reason ?? "",
    });
    this.peer?.sendEvent("workload.exit", toBinary(WorkloadExitSchema, message)).catch(() => {});
  }
}

/**
 * The in-zone agent: answers the host's bootstrap, reports ready, answers
 * health checks, and starts and stops workloads.
 */
export function serveAgent(
  transport: IdmTransport,
  system: System,
  log: Logger,
  runtime?: Runtime,
  state: AgentState = { hostname: "zone" },
): IdmPeer {
  const peer = new IdmPeer(transport, { log, role: "zone" });
  peer.onRequest("bootstrap", async (payload) => {
    const bootstrap = fromBinary(BootstrapSchema, payload);
    await applyBootstrap(bootstrap, system, log, state.resolvConf);
    if (bootstrap.shares.length > 0) {
      if (!runtime) throw new Error("this agent runs no workloads: it cannot mount shares");
      await runtime.mountShares(bootstrap.shares);
      log.info("shares mounted", { count: bootstrap.shares.length });
    }
    state.hostname = bootstrap.hostname;
    // Ready goes out after the response, so the host sees them in that order.
    queueMicrotask(() => {
      peer.sendEvent(
        "ready",
        toBinary(ReadySchema, create(ReadySchema, { agentVersion: PROTECT_VERSION })),
      )
        .catch((error) => log.error("could not report ready", { error }));
    });
    return new Uint8Array();
  });
  const metrics = new MetricsSampler();
  peer.onRequest(
    "metrics",
    async () =>
      toBinary(ZoneMetricsReportSchema, create(ZoneMetricsReportSchema, await metrics.sample())),
  );
  peer.onRequest("ping", (payload) => {
    const ping = fromBinary(PingSchema, payload);
    return toBinary(PongSchema, create(PongSchema, { sequence: ping.sequence }));
  });
  peer.onRequest("zone.resources", async (payload) => {
    if (!system.setOnlineCpus) throw new Error("this zone cannot change its CPUs");
    const wanted = fromBinary(ZoneResourcesSchema, payload);
    const online = await system.setOnlineCpus(wanted.onlineCpus);
    log.info("CPUs brought online", { wanted: wanted.onlineCpus, online });
    return toBinary(ZoneResourcesSchema, create(ZoneResourcesSchema, { onlineCpus: online }));
  });
  peer.onStream("zone.exec", (stream, payload) => {
    const start = fromBinary(ExecStartSchema, payload);
    runExec(zoneExecCommand, start, stream).catch((error) => {
      log.error("zone exec failed", { error });
      stream.close(String(error)).catch(() => {});
    });
  });
  if (runtime) {
    peer.onRequest("workload.start", async (payload) => {
      await runtime.start(fromBinary(WorkloadStartSchema, payload));
      return new Uint8Array();
    });
    peer.onStream("workload.exec", (stream, payload) => {
      const start = fromBinary(ExecStartSchema, payload);
      let stateDir: string;
      try {
        stateDir = runtime.stateDir(start.workloadId);
      } catch (e) {
        stream.close((e as Error).message).catch(() => {});
        return;
      }
      const command = (s: ExecStart) =>
        workloadExecCommand(runtime.runtimeOf(start.workloadId), stateDir, s);
      runExec(command, start, stream, runtime.execProblem(start)).catch((error) => {
        log.error("exec failed", { workload: start.workloadId, error });
        stream.close(String(error)).catch(() => {});
      });
    });
    peer.onEvent("workload.input", (payload) => {
      const input = fromBinary(WorkloadInputSchema, payload);
      runtime.input(input).catch((error) =>
        log.warn("workload input not delivered", { workload: input.workloadId, error })
      );
    });
    peer.onStream("workload.files", (stream, payload) => {
      const header = fromBinary(FilesHeaderSchema, payload);
      runtime.receiveCopies(header, stream).then(
        () => stream.close(),
        (error) => {
          log.warn("copying host files into a workload failed", {
            workload: header.workloadId,
            error,
          });
          return stream.close(`copying into the zone failed: ${(error as Error).message}`);
        },
      ).catch(() => {});
    });
    peer.onRequest("device.attached", async (payload) => {
      const device = fromBinary(DeviceAttachedSchema, payload);
      const pciAddresses = await runtime.deviceAttached(device);
      log.info("device arrived", { device: device.name, kind: device.kind, at: device.guestPath });
      return toBinary(DeviceSeenSchema, create(DeviceSeenSchema, { pciAddresses }));
    });
    peer.onRequest("device.detached", (payload) => {
      const device = fromBinary(DeviceDetachedSchema, payload);
      runtime.deviceDetached(device);
      log.info("device leaving", { device: device.name });
      return new Uint8Array();
    });
    peer.onRequest("workload.stop", async (payload) => {
      const stop = fromBinary(WorkloadStopSchema, payload);
      await runtime.stop(stop.workloadId, stop.gracePeriodSeconds || 10);
      return new Uint8Array();
    });
    peer.onRequest("workload.resources", async (payload) => {
      await runtime.updateResources(fromBinary(WorkloadResourcesUpdateSchema, payload));
      return new Uint8Array();
    });
    peer.onRequest("workload.stats", async (payload) => {
      const { workloadIds } = fromBinary(WorkloadStatsRequestSchema, payload);
      const stats = await runtime.stats(workloadIds);
      return toBinary(WorkloadStatsReportSchema, create(WorkloadStatsReportSchema, { stats }));
    });
  }
  return peer;
}
