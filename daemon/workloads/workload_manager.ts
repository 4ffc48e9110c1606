import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import {
  type ExecEvent,
  WorkloadExitSchema,
  WorkloadOutputSchema,
  WorkloadStartSchema,
  WorkloadStopSchema,
  type WorkloadVolume,
  WorkloadVolumeSchema,
} from "../../proto/gen/protect/idm/v1/idm_pb.ts";
import type { ImageInfo } from "../../proto/gen/protect/storage/v1/storage_pb.ts";
import {
  type AttachWorkloadConsoleRequest,
  type ExecInsideWorkloadRequest,
  type PortPublish,
  WatchEventsResponseSchema,
  type WorkloadResources,
  type WorkloadSpec,
  WorkloadState,
  ZoneState,
} from "../../proto/mod.ts";
import {
  FailedPreconditionError,
  InvalidArgumentError,
  UnavailableError,
} from "../../lib/errors/mod.ts";
import type { IdmPeer } from "../../lib/idm/mod.ts";
import type { Logger } from "../../lib/log/mod.ts";
import { workloadToProto } from "../api/convert.ts";
import type { EventBus } from "../events/mod.ts";
import type { HypervisorDriver } from "../hypervisor/mod.ts";
import type { EventLog, WorkloadRecord, WorkloadStore, ZoneRecord } from "../state/mod.ts";
import type { StorageConnection } from "../clients/storage_client.ts";
import { validateName, validatePublish, validateWorkloadSpec } from "../validation/mod.ts";
import type { ZoneLedger } from "../zones/mod.ts";
import type { ImageFormatName } from "../config/mod.ts";
import { deviceMounts, type ZoneDevices } from "../devices/zone_devices.ts";
import type { WorkloadLogs } from "./workload_logs.ts";
import { execStart, readExecHeader, relayExec } from "./exec_relay.ts";
import { sendCopies } from "./host_copies.ts";
import { type HostMountPlan, planHostMounts } from "./host_mounts.ts";
import { attachConsole, type AttachResponse } from "./workload_console.ts";
import { StartWaiters } from "./start_waiters.ts";
import { ensureImage, packFormat } from "./workload_image.ts";
import { workloadStart } from "./workload_start.ts";
import { updateWorkloadResources } from "./workload_resources.ts";
import { WorkloadVolumes } from "./workload_volumes.ts";
import { composeArgv, LIVE_WORKLOAD_STATES, ZONE_ENDED } from "./workload_rules.ts";

export { composeArgv, LIVE_WORKLOAD_STATES } from "./workload_rules.ts";

export interface WorkloadManagerDeps {
  workloads: WorkloadStore;
  zones: ZoneLedger;
  driver: HypervisorDriver;
  storage: StorageConnection;
  logs: WorkloadLogs;
  events: EventLog;
  bus: EventBus;
  log: Logger;
  /** Host directories a workload may mount (copied in) must be inside this one. */
  hostMountsDir: string;
  /** Host devices given to zones: where a workload's device mount is in its zone. */
  devices?: ZoneDevices;
  /** How images are packed for zones when a spec leaves image_format unspecified. */
  imageFormat?: ImageFormatName;
  /** Sets the host ports a zone's workloads publish (protect-network); absent in unit tests. */
  publishPorts?: (zoneId: string, ports: PortPublish[]) => Promise<void>;
}

/** How long after its stop a workload's exit report may take to arrive. */
const STOP_REPORT_MS = 30_000;

/**
 * Workloads in zones: resolves the image through protect-storage, hands the
 * zone agent a start request over IDM, and records output and exit as the
 * agent reports them. The zone is untrusted: its reports are size-checked
 * and only accepted for workloads of that zone.
 */
export class WorkloadManager {
  readonly volumes: WorkloadVolumes;

  constructor(private readonly deps: WorkloadManagerDeps) {
    this.volumes = new WorkloadVolumes(deps);
  }

  /**
   * After a restart: a workload caught mid-start cannot be finished (the
   * request died with the old daemon), so it is FAILED with the reason.
   * RUNNING ones keep running in their zone and report as usual.
   */
  recover(): void {
    for (const w of this.deps.workloads.list()) {
      if (w.state === WorkloadState.CREATING) {
        this.#transition(w.id, WorkloadState.FAILED, {
          error: "the daemon restarted while the workload was starting",
        });
      }
    }
    // A zone that ended while no daemon watched (or before this was handled) ends its workloads.
    for (const zone of this.deps.zones.store.list()) {
      if (zone.state !== ZoneState.READY) this.zoneChanged(zone);
    }
    const ready = this.deps.zones.store.list().filter((z) => z.state === ZoneState.READY);
    this.volumes.reconcile(ready.map((z) => z.id));
  }

  /**
   * A zone that is no longer READY (exited, crashed, failed, being destroyed) can run
   * nothing: each of its live workloads is FAILED with the reason, and every follower of
   * its output ends.
   */
  zoneChanged(zone: ZoneRecord): void {
    if (!ZONE_ENDED.has(zone.state)) return;
    const why = `zone ${zone.name} ${ZONE_ENDED.get(zone.state)}${
      zone.error ? `: ${zone.error}` : ""
    }`;
    for (const w of this.deps.workloads.list(zone.id)) {
      if (!LIVE_WORKLOAD_STATES.has(w.state)) continue;
      this.#transition(w.id, WorkloadState.FAILED, {
        error: why.slice(0, 4096),
        exitedAt: new Date(),
      });
      this.deps.logs.finish(w.id);
    }
  }

  /** A destroyed zone's record is about to go, and its workloads' rows with it: say so. */
  zoneForgotten(zoneId: string): void {
    for (const w of this.deps.workloads.list(zoneId)) {
      this.#transition(w.id, WorkloadState.DESTROYED, {});
      this.deps.logs.forget(w.id);
    }
  }

  /** Wires a zone's IDM peer: output and exit reports for its workloads. */
  attach(zoneId: string, peer: IdmPeer): void {
    const own = (workloadId: string) => this.deps.workloads.find(workloadId)?.zoneId === zoneId;
    peer.onEvent("workload.output", (payload) => {
      const m = fromBinary(WorkloadOutputSchema, payload);
      if (!own(m.workloadId)) {
        return this.deps.log.warn("zone reported output for a workload it does not run", {
          zone: zoneId,
        });
      }
      if (m.stdout.length) {
        this.deps.logs.append(m.workloadId, { stream: "stdout", data: m.stdout });
      }
      if (m.stderr.length) {
        this.deps.logs.append(m.workloadId, { stream: "stderr", data: m.stderr });
      }
    });
    peer.onEvent("workload.exit", (payload) => {
      const m = fromBinary(WorkloadExitSchema, payload);
      if (!own(m.workloadId)) {
        return this.deps.log.warn("zone reported an exit for a workload it does not run", {
          zone: zoneId,
        });
      }
      this.#transition(m.workloadId, m.error ? WorkloadState.FAILED : WorkloadState.COMPLETED, {
        exitCode: m.exitCode,
        error: m.error.slice(0, 4096),
        // The zone's word is taken only for the one reason it can know (never free text).
        reason: m.reason === "OOMKilled" ? m.reason : "",
        exitedAt: new Date(),
      });
      this.deps.logs.finish(m.workloadId);
      this.#detachImage(zoneId, m.workloadId);
      const ended = this.deps.workloads.find(m.workloadId);
      if (ended) {
        this.#unpublish(ended);
        this.volumes.release(zoneId, ended.spec);
      }
      this.#autoRemove(m.workloadId);
    });
  }

  /** Terminal sizes of attaches made before their workload's start (taken by the start). */
  #terminalSizes = new Map<string, { rows: number; columns: number }>();

  /** The last state of workloads removed with --rm, for attached clients (bounded). */
  #removed = new Map<string, WorkloadRecord>();

  /** An ended workload created with auto_remove goes (DESTROYED); attached clients still get its end. */
  #autoRemove(id: string): void {
    const w = this.deps.workloads.find(id);
    if (!w?.spec.autoRemove) return;
    this.#removed.set(id, { ...w });
    if (this.#removed.size > 256) this.#removed.delete(this.#removed.keys().next().value!);
    this.#transition(id, WorkloadState.DESTROYED, {});
    this.deps.workloads.delete(id);
    this.deps.logs.forget(id);
  }

  /** Gives the image disk back once its workload has ended (Xen hot-unplug). */
  #detachImage(zoneId: string, workloadId: string): void {
    this.deps.driver.detachImage?.(zoneId, workloadId).catch((error) =>
      this.deps.log.warn("detaching the workload's image failed", { workload: workloadId, error })
    );
  }

  #resolveZone(ref: string) {
    if (ref === "") throw new InvalidArgumentError("spec.zone", "must name a zone");
    const zone = this.deps.zones.store.resolve(ref);
    if (zone.state !== ZoneState.READY) {
      throw new FailedPreconditionError(`zone ${zone.name} is ${ZoneState[zone.state]}, not READY`);
    }
    return zone;
  }

  /** The spec's device mounts: host block devices the zone has, mounted like volumes. */
  #deviceVolumes(zone: ZoneRecord, spec: WorkloadSpec): WorkloadVolume[] {
    const mounts = deviceMounts(spec);
    if (mounts.length === 0) return [];
    if (!this.deps.devices) {
      throw new FailedPreconditionError(
        `the ${this.deps.driver.name} driver gives zones no host devices to mount`,
      );
    }
    return mounts.map((m) => {
      const device = this.deps.devices!.guestPath(zone, m.source);
      return create(WorkloadVolumeSchema, {
        name: device.slice("/dev/".length),
        device,
        destination: m.destination,
        readOnly: m.readOnly,
        hostDevice: true,
      });
    });
  }

  #image(spec: WorkloadSpec) {
    const format = packFormat(spec.imageFormat, this.deps.imageFormat ?? "squashfs");
    return ensureImage(this.deps.storage, spec.image, format, this.deps.log);
  }

  /**
   * Validates and records a workload (pulling its image if needed); starts it
   * too when `start`. Returns its ID once it runs, has failed, or is CREATED.
   */
  async create(spec: WorkloadSpec | undefined, start = true): Promise<string> {
    if (!spec) throw new InvalidArgumentError("spec", "is required");
    const zone = this.#resolveZone(spec.zone);
    if (!this.deps.driver.channel) {
      throw new FailedPreconditionError(`the ${this.deps.driver.name} driver cannot run workloads`);
    }
    if (spec.image === "") throw new InvalidArgumentError("spec.image", "is required");
    const id = crypto.randomUUID();
    const name = spec.name || `w-${id.slice(0, 8)}`;
    validateName(name, "spec.name");
    validatePublish(spec.publish, "spec.publish");
    validateWorkloadSpec(spec);
    this.#planHostMounts(spec, zone); // refuses what cannot be mounted, before anything is recorded
    if (spec.publish.length > 0 && !this.deps.publishPorts) {
      throw new FailedPreconditionError("this daemon cannot publish ports");
    }
    await this.volumes.lookup(spec); // a volume that does not exist is refused before the pull
    this.#deviceVolumes(zone, spec); // a device the zone lacks, too
    const image = await this.#image(spec);
    if (composeArgv(spec, image.config?.entrypoint ?? [], image.config?.cmd ?? []).length === 0) {
      throw new InvalidArgumentError("spec.process.args", "empty, and the image has no command");
    }
    this.volumes.claim(spec, zone.id); // no await between this and the insert
    const record: WorkloadRecord = {
      id,
      zoneId: zone.id,
      name,
      spec: { ...spec, name },
      state: WorkloadState.CREATING,
      error: "",
      exitCode: 0,
      createdAt: new Date(),
    };
    this.deps.workloads.insert(record);
    this.#announce(record);
    if (start) await this.#run(id, image);
    else this.#transition(id, WorkloadState.CREATED, {});
    return id;
  }

  /** Starts a CREATED workload. */
  async start(id: string): Promise<void> {
    const w = this.deps.workloads.get(id);
    if (w.state !== WorkloadState.CREATED) {
      throw new FailedPreconditionError(
        `workload ${w.name} is ${WorkloadState[w.state]}, not CREATED`,
      );
    }
    this.#resolveZone(w.zoneId);
    this.volumes.claim(w.spec, w.zoneId, id);
    this.#transition(id, WorkloadState.CREATING, {});
    await this.#run(id);
  }

  /**
   * Hands the workload to its zone's agent: CREATING → RUNNING, or FAILED with the reason.
   * `known`: the image create() just looked up (one storage call per launch, not two).
   */
  async #run(id: string, known?: ImageInfo): Promise<void> {
    const w = this.deps.workloads.get(id);
    const spec = w.spec;
    try {
      const image = known ?? await this.#image(spec);
      const peer = await this.deps.driver.channel!(w.zoneId);
      // Again: the files may have changed since create.
      const hostMounts = this.#planHostMounts(spec, this.deps.zones.store.get(w.zoneId));
      if (hostMounts.copies) {
        await sendCopies(peer, id, hostMounts.binds.length, hostMounts.copies);
      }
      if (spec.publish.length > 0) await this.#publishPorts(w.zoneId);
      const volumes = [
        ...await this.volumes.attach(w.zoneId, spec),
        ...this.#deviceVolumes(this.deps.zones.store.get(w.zoneId), spec),
      ];
      const size = this.#terminalSizes.get(id);
      this.#terminalSizes.delete(id);
      const imagePath = this.deps.driver.attachImage
        ? await this.deps.driver.attachImage(w.zoneId, id, image.path)
        : image.path;
      const start = workloadStart(id, spec, image, { imagePath, volumes, size, hostMounts });
      await peer.request("workload.start", toBinary(WorkloadStartSchema, start), 60_000);
      // The exit may already have been reported while the start answer travelled.
      if (this.deps.workloads.find(id)?.state === WorkloadState.CREATING) {
        this.#transition(id, WorkloadState.RUNNING, { startedAt: new Date() });
      }
    } catch (e) {
      this.#transition(id, WorkloadState.FAILED, {
        error: `starting failed: ${(e as Error).message}`,
      });
      this.deps.logs.finish(id);
      this.#detachImage(w.zoneId, id);
      this.#unpublish(w);
      this.volumes.release(w.zoneId, spec);
      this.#autoRemove(id);
    }
  }

  /** The spec's bind mounts: from the zone's shares, or walked for copying in. */
  #planHostMounts(spec: WorkloadSpec, zone: ZoneRecord): HostMountPlan {
    const shares = zone.spec.shares.map((s) => s.hostPath);
    return planHostMounts(spec.mounts, shares, this.deps.hostMountsDir);
  }

  /** Publishes every port the zone's starting and running workloads ask for, and no other. */
  async #publishPorts(zoneId: string): Promise<void> {
    const live = new Set([WorkloadState.CREATING, WorkloadState.RUNNING]);
    const ports = this.deps.workloads.list(zoneId)
      .filter((w) => live.has(w.state))
      .flatMap((w) => w.spec.publish);
    await this.deps.publishPorts!(zoneId, ports);
  }

  /** After a publishing workload ended: its ports go (logged if protect-network is away). */
  #unpublish(w: WorkloadRecord): void {
    if (w.spec.publish.length === 0 || !this.deps.publishPorts) return;
    this.#publishPorts(w.zoneId).catch((error) =>
      this.deps.log.warn("could not withdraw the workload's published ports", {
        workload: w.name,
        error,
      })
    );
  }

  /**
   * Runs a process inside a running workload. The first request names the
   * workload and the command; later ones carry stdin. Yields output, then a
   * last message with the exit code.
   */
  async *exec(requests: AsyncIterable<ExecInsideWorkloadRequest>): AsyncGenerator<ExecEvent> {
    const { header, rest } = await readExecHeader(requests);
    const w = this.deps.workloads.get(header.workloadId);
    if (w.state !== WorkloadState.RUNNING) {
      throw new FailedPreconditionError(
        `workload ${w.name} is ${WorkloadState[w.state]}, not RUNNING`,
      );
    }
    const start = execStart(w.id, header);
    const peer = await this.deps.driver.channel!(w.zoneId);
    yield* relayExec(peer, "workload.exec", start, header, rest);
  }

  /** Attaches a client to a workload's console (see workload_console.ts). */
  attachConsole(
    requests: AsyncIterable<AttachWorkloadConsoleRequest>,
    signal?: AbortSignal,
  ): AsyncGenerator<AttachResponse> {
    return attachConsole(
      {
        workloads: this.deps.workloads,
        logs: this.deps.logs,
        driver: this.deps.driver,
        untilStarted: (id) => this.#startWaiters.wait(id, this.deps.workloads.find(id)?.state),
        removed: (id) => this.#removed.get(id),
        noteTerminalSize: (id, size) => this.#terminalSizes.set(id, size),
      },
      requests,
      signal,
    );
  }

  async stop(id: string, graceSeconds: number): Promise<void> {
    const w = this.deps.workloads.get(id);
    if (w.state !== WorkloadState.RUNNING) return;
    const peer = await this.deps.driver.channel!(w.zoneId);
    await peer.request(
      "workload.stop",
      toBinary(
        WorkloadStopSchema,
        create(WorkloadStopSchema, { workloadId: id, gracePeriodSeconds: graceSeconds }),
      ),
      (graceSeconds + 30) * 1000,
    );
    // The agent answers once the process is gone; its exit report follows. Callers (the CRI's
    // StopContainer) expect the workload ended when this returns.
    const deadline = Date.now() + STOP_REPORT_MS;
    while (this.deps.workloads.find(id)?.state === WorkloadState.RUNNING) {
      if (Date.now() > deadline) {
        throw new UnavailableError(
          `workload ${w.name} stopped, but its zone did not report the exit`,
        );
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /**
   * New limits for a workload: a running one's cgroup changes in its zone, and the spec keeps
   * them either way. oom_score_adj belongs to the process and cannot change while it runs.
   */
  updateResources(id: string, resources: WorkloadResources | undefined): Promise<void> {
    return updateWorkloadResources(this.deps, id, resources);
  }

  async destroy(id: string): Promise<void> {
    const w = this.deps.workloads.get(id);
    if (w.state === WorkloadState.RUNNING) await this.stop(id, 10);
    this.#transition(id, WorkloadState.DESTROYED, {});
    this.deps.workloads.delete(id);
    this.deps.logs.forget(id);
    this.#terminalSizes.delete(id);
    this.#unpublish(w);
  }

  #transition(id: string, state: WorkloadState, patch: Partial<WorkloadRecord>): void {
    const w = this.deps.workloads.find(id);
    if (!w) return;
    Object.assign(w, patch, { state });
    this.deps.workloads.update(w);
    this.#announce(w);
    this.#startWaiters.settle(id, state);
  }

  #startWaiters = new StartWaiters();

  #announce(w: WorkloadRecord): void {
    const state = WorkloadState[w.state];
    this.deps.events.append("workload", w.id, state, w.error);
    this.deps.log.info("workload state", {
      workload: w.name,
      id: w.id,
      state,
      exit_code: w.exitCode,
      error: w.error || undefined,
    });
    this.deps.bus.publish(create(WatchEventsResponseSchema, {
      event: { case: "workloadChanged", value: workloadToProto(w) },
    }));
  }
}
