import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { type Packet, ZoneResourcesSchema } from "../../../proto/gen/protect/idm/v1/idm_pb.ts";
import { HypervisorBackend } from "../../../proto/mod.ts";
import type { Direction, IdmPeer } from "../../../lib/idm/mod.ts";
import type { Logger } from "../../../lib/log/mod.ts";
import {
  type DomainInfo,
  Libxl,
  ToolLogger,
  type Vchan,
  XenCtrl,
  XenStore,
  XtlLevel,
} from "../../../xen/mod.ts";
import type {
  ConsoleInput,
  CreatedGuest,
  GuestInfo,
  GuestLink,
  HypervisorDriver,
  HypervisorIntrospection,
  ResourceUpdate,
  ZoneBoot,
  ZoneLaunch,
} from "../driver.ts";
import { awaitAgentConnected, bootstrapZone } from "../zone_bootstrap.ts";
import { memoryFitProblem } from "./memory_fit.ts";
import { withLibxlReason } from "./libxl_reason.ts";
import { FailedPreconditionError } from "../../../lib/errors/mod.ts";
import {
  domainConfig,
  resolveBackend,
  shareTag,
  ZONE_ID_KEY,
  type ZoneBootFiles,
} from "./domain_config.ts";
import { tailLines } from "./tail_lines.ts";
import { followZoneConsole, zoneConsoleInput } from "./zone_console.ts";
import { describeShutdown, stoppedZones } from "./stopped_domains.ts";
import { detachLoopDevice, listLoopDevices } from "./loop_devices.ts";
import { LoopReclaimer } from "./loop_reclaimer.ts";
import { loopsInUse } from "./block_backends.ts";
import { xenIntrospection } from "./xen_introspection.ts";
import { backendsPath, consoleNamePath, zoneKeysPath } from "./xenstore_paths.ts";
import { offerZoneChannel } from "./zone_channel.ts";
import { ImageDisks, volumeDiskKey, volumesOfDiskKeys } from "./image_disks.ts";
import { isPciAddress, NO_IOMMU } from "./pci_passthrough.ts";
import { XenZoneDevices } from "./xen_zone_devices.ts";
import type { HostDevice } from "../../devices/host_devices.ts";
import { PeerWaiters } from "../peer_waiters.ts";

export interface XenDriverOptions {
  boot: ZoneBootFiles;
  bootTimeoutMs: number;
  /** Where libxl's own log goes (tailed into ours). */
  libxlLogPath: string;
  /** xenconsoled's guest log directory (`--log=guest --log-dir`). */
  consoleLogDir: string;
  /** protect's state directory: loop devices over files in it (image packs) are ours. */
  stateDir: string;
  log: Logger;
}

/** A zone's domain and its IDM channel. */
interface ZoneDomain {
  domid: number;
  name: string;
  vchan?: Vchan;
  /** Set once the agent has said hello on the current channel. */
  peer?: IdmPeer;
  /** Rejected when the domain shuts down or crashes. */
  gone: Promise<never>;
  markGone: (reason: Error) => void;
}

/**
 * Production backend: each zone is a Xen PV guest built through libxl from JSON,
 * talking IDM over libxenvchan. libxl leaves shut-down domains to the toolstack,
 * so a reaper on @releaseDomain destroys them and reports why they stopped. What
 * must survive a daemon restart lives with the domain: its UUID is the zone ID,
 * and the zone's keys sit under /local/domain/<domid>/protect.
 */
export class XenDriver implements HypervisorDriver {
  readonly name = "xen";
  readonly hardwareIsolation = true;
  /** The vif is part of the domain's config. */
  readonly macAtCreate = true;
  #toolLogger?: ToolLogger;
  #xl = new Libxl(() => this.#logger());
  #xs = new XenStore();
  #xc = new XenCtrl();
  #watch = new XenStore();
  #zones = new Map<string, ZoneDomain>();
  #waiters = new PeerWaiters();
  #stop = new AbortController();
  #loops: LoopReclaimer;
  #disks: ImageDisks;
  #devices: XenZoneDevices;
  #onPeer?: (zoneId: string, peer: IdmPeer) => void;
  #onPacket?: (zoneId: string, direction: Direction, packet: Packet) => void;
  #onExit?: (zoneId: string, reason: string, crashed: boolean) => void;

  constructor(private readonly options: XenDriverOptions) {
    this.#loops = new LoopReclaimer({
      list: () => listLoopDevices(),
      inUse: () => loopsInUse(this.#xs),
      detach: detachLoopDevice,
      owns: (file) =>
        file === this.options.boot.addons || file.startsWith(`${this.options.stateDir}/`),
      log: this.options.log,
    });
    this.#disks = new ImageDisks(this.#xl, this.#xs, this.#loops, options.boot.hotplugScript);
    this.#devices = new XenZoneDevices({
      xl: this.#xl,
      xs: this.#xs,
      xc: this.#xc,
      disks: this.#disks,
      libxlLogPath: options.libxlLogPath,
      domid: (zoneId) => this.#domainOf(zoneId)?.domid,
      zoneName: (zoneId) => this.#zones.get(zoneId)?.name ?? zoneId,
    });
  }

  #logger(): ToolLogger {
    if (!this.#toolLogger) {
      this.#toolLogger = new ToolLogger(this.options.libxlLogPath, XtlLevel.WARN);
      tailLines(
        this.options.libxlLogPath,
        this.#stop.signal,
        (line) => this.options.log.warn("libxl", { line }),
      );
      this.#reap().catch((error) => this.options.log.error("domain reaper stopped", { error }));
      void this.#loops.reclaim(); // what an earlier daemon's killed hotplug scripts left
    }
    return this.#toolLogger;
  }

  /** Whether Xen can run PVH guests (hvm in its capabilities); asked once. */
  #hvm(): boolean {
    this.#hasHvm ??= this.#xc.physinfo().capabilities.includes("hvm");
    return this.#hasHvm;
  }
  #hasHvm?: boolean;

  /** Why a zone cannot have `backend` here (checked when the zone is asked for). */
  backendProblem(backend: HypervisorBackend, devices: string[] = []): string | undefined {
    try {
      resolveBackend(backend, this.#hvm(), devices.some(isPciAddress));
      return undefined;
    } catch (e) {
      return (e as Error).message;
    }
  }

  version(): Promise<string> {
    return Promise.resolve(`Xen ${this.#xl.version()}`);
  }

  async createGuest(launch: ZoneLaunch, signal: AbortSignal): Promise<CreatedGuest> {
    const pciPassthrough = launch.spec.devices.some((d) => isPciAddress(d.name));
    const backend = resolveBackend(launch.spec.backend, this.#hvm(), pciPassthrough);
    // CREATING with a domain already there: an earlier attempt died inside libxl
    // (the daemon was killed); what it left may be half built, so start over.
    const leftover = this.#domainOf(launch.zoneId);
    if (leftover) {
      this.options.log.warn("destroying a half-built domain from an interrupted launch", {
        zone: launch.name,
        domid: leftover.domid,
      });
      this.#forget(launch.zoneId);
      await this.#destroyDomain(leftover.domid);
    }
    const fitProblem = memoryFitProblem(launch.spec, this.#xc.physinfo().freePages * 4096n);
    if (fitProblem) throw new FailedPreconditionError(fitProblem);
    if (pciPassthrough && !this.#xc.physinfo().capabilities.includes("directio")) {
      throw new FailedPreconditionError(`spec.devices: ${NO_IOMMU}`);
    }
    const config = domainConfig({
      zoneId: launch.zoneId,
      name: launch.name,
      spec: launch.spec,
      boot: this.options.boot,
      mac: launch.mac,
      backend,
      kernelFiles: launch.kernelFiles,
      pciPassthrough,
    });
    const started = performance.now();
    // block-protect binds the disks' loop devices inside this call.
    const domid = await this.#loops.building(() =>
      withLibxlReason(
        this.options.libxlLogPath,
        () => this.#xl.createDomain(JSON.stringify(config)),
      )
    );
    this.options.log.info("domain created", {
      zone: launch.name,
      domid,
      type: backend === HypervisorBackend.PVH ? "pvh" : "pv",
      ms: Math.round(performance.now() - started),
    });
    try {
      if (signal.aborted) throw signal.reason;
      this.#adopt(launch.zoneId, launch.name, domid);
      // xenconsoled names the log after the domain as it first sees it; a claimed pool
      // zone is renamed later, so its log is found by this name (dom0's key, guest read-only).
      this.#xs.write(consoleNamePath(domid), launch.name);
      this.#xl.unpause(domid);
    } catch (e) {
      this.#forget(launch.zoneId);
      await this.#destroyDomain(domid);
      throw e;
    }
    return { domainId: domid, backend };
  }

  awaitReady(zoneId: string, signal: AbortSignal, boot: ZoneBoot): Promise<void> {
    const zone = this.#zones.get(zoneId);
    if (!zone) return Promise.reject(new Error("the zone's domain is gone"));
    return bootstrapZone({
      zoneId,
      hostname: boot.hostname,
      peer: this.channel(zoneId, 0), // bootstrapZone has the boot deadline
      timeoutMs: this.options.bootTimeoutMs,
      signal,
      guestGone: zone.gone,
      network: boot.network,
      sysctls: boot.sysctls,
      shares: (boot.shares ?? []).map((_, i) => ({ xenTag: shareTag(i) })),
    });
  }

  awaitAgent(zoneId: string, signal: AbortSignal): Promise<void> {
    const zone = this.#zones.get(zoneId);
    if (!zone) return Promise.reject(new Error("the zone's domain is gone"));
    return awaitAgentConnected({
      peer: this.channel(zoneId, 0),
      timeoutMs: this.options.bootTimeoutMs,
      signal,
      guestGone: zone.gone,
    });
  }

  /** The domain takes the claiming zone's name (`xl list`); a no-op when it has it already. */
  renameGuest(zoneId: string, name: string): Promise<void> {
    const domid = this.#requireDomid(zoneId);
    const current = this.#xs.read(`/local/domain/${domid}/name`);
    if (current !== name) {
      this.#xl.rename(domid, name);
      this.options.log.info("domain renamed", { zone: name, from: current, domid });
    }
    const zone = this.#zones.get(zoneId);
    if (zone) zone.name = name;
    return Promise.resolve();
  }

  /** The zone's vif (made with the domain, named by domainConfig), if it has one. */
  networkLink(zoneId: string): Promise<GuestLink | undefined> {
    const domain = this.#domainOf(zoneId);
    const vifname = domain && this.#xs.read(`${backendsPath("vif", domain.domid)}/0/vifname`);
    return Promise.resolve(vifname ? { vif: vifname } : undefined);
  }

  async destroyGuest(zoneId: string): Promise<void> {
    const domain = this.#domainOf(zoneId);
    this.#forget(zoneId); // first, so the reaper does not report our own destroy as an exit
    if (domain) {
      await this.#destroyDomain(domain.domid);
      this.options.log.info("domain destroyed", { zone: zoneId, domid: domain.domid });
    }
  }

  listGuests(): Promise<GuestInfo[]> {
    const guests: GuestInfo[] = [];
    for (const d of this.#xl.listDomains()) {
      const zoneId = this.#zoneIdOf(d);
      if (!zoneId) continue;
      const running = !d.shutdown && !d.dying;
      if (running && !this.#zones.has(zoneId)) {
        // Re-adopt: a fresh vchan server; the agent notices the new session and reconnects.
        this.#adopt(zoneId, this.#xs.read(`/local/domain/${d.domid}/name`) ?? zoneId, d.domid);
      }
      guests.push({
        zoneId,
        domainId: d.domid,
        running,
        exitReason: running ? undefined : describeShutdown(d),
      });
    }
    return Promise.resolve(guests);
  }

  channel(zoneId: string, timeoutMs?: number): Promise<IdmPeer> {
    const peer = this.#zones.get(zoneId)?.peer;
    return peer ? Promise.resolve(peer) : this.#waiters.wait(zoneId, timeoutMs);
  }

  onChannel(attach: (zoneId: string, peer: IdmPeer) => void): void {
    this.#onPeer = attach;
  }

  onPacket(tap: (zoneId: string, direction: Direction, packet: Packet) => void): void {
    this.#onPacket = tap;
  }

  onGuestExit(exited: (zoneId: string, reason: string, crashed: boolean) => void): void {
    this.#onExit = exited;
  }

  /** Hot-adds the image file as the zone's next free read-only disk. */
  attachImage(zoneId: string, workloadId: string, hostPath: string): Promise<string> {
    return this.#disks.attach(zoneId, () => this.#requireDomid(zoneId), workloadId, hostPath);
  }

  detachImage(zoneId: string, workloadId: string): Promise<void> {
    return this.#disks.detach(zoneId, () => this.#domainOf(zoneId)?.domid, workloadId);
  }

  /** Hot-adds the volume as a writable disk, unless the zone has it already. */
  attachVolume(zoneId: string, name: string, hostPath: string): Promise<string> {
    const domid = () => this.#requireDomid(zoneId);
    return this.#disks.attach(zoneId, domid, volumeDiskKey(name), hostPath, true);
  }

  attachedVolumes(zoneId: string): string[] {
    const domid = this.#domainOf(zoneId)?.domid;
    if (domid === undefined) return [];
    return volumesOfDiskKeys(this.#xs.directory(`${zoneKeysPath(domid)}/disks`));
  }

  detachVolume(zoneId: string, name: string): Promise<void> {
    return this.#disks.detach(zoneId, () => this.#domainOf(zoneId)?.domid, volumeDiskKey(name));
  }

  listDevices(): HostDevice[] {
    return this.#devices.list();
  }

  attachDevice(zoneId: string, device: HostDevice): Promise<string> {
    return this.#devices.attach(zoneId, device);
  }

  deviceGuestPath(zoneId: string, name: string): string | undefined {
    return this.#devices.guestPath(zoneId, name);
  }

  detachDevice(zoneId: string, device: HostDevice): Promise<void> {
    return this.#devices.detach(zoneId, device);
  }

  /** The zone's console, as xenconsoled logs it (kernel messages and the agent's log). */
  async *console(
    zoneId: string,
    replay: boolean,
    follow: boolean,
    signal: AbortSignal,
  ): AsyncGenerator<Uint8Array> {
    const domain = this.#domainOf(zoneId);
    if (!domain) return;
    const logDir = this.options.consoleLogDir;
    yield* followZoneConsole(this.#xs, domain.domid, logDir, replay, follow, signal);
  }

  openConsoleInput(zoneId: string): ConsoleInput {
    return zoneConsoleInput(this.#xs, this.#requireDomid(zoneId));
  }

  readonly hypervisor: HypervisorIntrospection = xenIntrospection({
    xs: this.#xs,
    xl: this.#xl,
    xc: this.#xc,
    zoneIdOf: (d) => this.#zoneIdOf(d),
    connected: (zoneId) => !!this.#zones.get(zoneId)?.peer,
  });

  async updateResources(zoneId: string, update: ResourceUpdate): Promise<void> {
    const domid = this.#requireDomid(zoneId);
    await this.#xl.setMemoryTarget(domid, BigInt(update.targetMemoryMib) * 1024n);
    await this.#xl.setOnlineVcpus(domid, update.targetCpus, update.maxCpus);
    // Xen only hot-adds the vCPUs; the zone (no udev) onlines them itself.
    const peer = await this.channel(zoneId);
    const answer = await peer.request(
      "zone.resources",
      toBinary(ZoneResourcesSchema, create(ZoneResourcesSchema, { onlineCpus: update.targetCpus })),
      30_000,
    );
    const { onlineCpus } = fromBinary(ZoneResourcesSchema, answer);
    if (onlineCpus !== update.targetCpus) {
      throw new Error(`the zone has ${onlineCpus} of ${update.targetCpus} vCPUs online`);
    }
  }

  close(): void {
    this.#stop.abort();
    for (const zoneId of [...this.#zones.keys()]) this.#closeChannel(zoneId);
    this.#watch.close();
    this.#xs.close();
    this.#xc.close();
    this.#xl.close();
  }

  /** Tracks a zone's domain and offers it a fresh IDM channel. */
  #adopt(zoneId: string, name: string, domid: number): void {
    this.#logger(); // starts the reaper and the libxl log tail
    let markGone!: (reason: Error) => void;
    const gone = new Promise<never>((_, reject) => (markGone = reject));
    gone.catch(() => {});
    this.#zones.set(zoneId, { domid, name, gone, markGone });
    this.#openChannel(zoneId, domid);
  }

  #openChannel(zoneId: string, domid: number): void {
    const zone = this.#zones.get(zoneId)!;
    const log = this.options.log.with({ zone: zoneId, domid });
    const { vchan } = offerZoneChannel({
      xs: this.#xs,
      logger: this.#logger().pointer,
      zoneId,
      domid,
      log,
      onPacket: (direction, packet) => this.#onPacket?.(zoneId, direction, packet),
      onHello: (peer) => {
        zone.peer = peer;
        this.#onPeer?.(zoneId, peer);
        this.#waiters.connected(zoneId, peer);
      },
      onClosed: () => {
        const current = this.#zones.get(zoneId);
        if (current?.vchan !== vchan) return;
        current.peer = undefined;
        current.vchan = undefined;
        // The agent closed its end (restart): offer a new channel while the domain lives.
        if (this.#domainOf(zoneId)?.domid === domid) {
          log.warn("zone channel closed; offering a new one");
          this.#openChannel(zoneId, domid);
        }
      },
    });
    zone.vchan = vchan;
  }

  #closeChannel(zoneId: string): void {
    const zone = this.#zones.get(zoneId);
    if (!zone) return;
    const vchan = zone.vchan;
    zone.vchan = undefined;
    zone.peer = undefined;
    vchan?.close();
  }

  #forget(zoneId: string): void {
    this.#closeChannel(zoneId);
    this.#zones.delete(zoneId);
  }

  /** The live domain of a zone, from libxl (not from our map, which a restart loses). */
  #domainOf(zoneId: string): DomainInfo | undefined {
    return this.#xl.listDomains().find((d) => this.#zoneIdOf(d) === zoneId);
  }

  #requireDomid(zoneId: string): number {
    const d = this.#domainOf(zoneId);
    if (!d) throw new Error(`zone ${zoneId} has no running domain`);
    return d.domid;
  }

  /** Our zone ID for a domain, or undefined for domains that are not ours. */
  #zoneIdOf(d: DomainInfo): string | undefined {
    if (d.domid === 0) return undefined;
    const id = this.#xs.read(`/local/domain/${d.domid}/${ZONE_ID_KEY}`);
    // The UUID check guards against a stale key on a reused domid.
    return id && id === d.uuid ? id : undefined;
  }

  /** libxl's destroy, then whatever loop devices its hotplug scripts failed to release. */
  async #destroyDomain(domid: number): Promise<void> {
    try {
      await this.#xl.destroy(domid);
    } finally {
      await this.#loops.reclaim();
    }
  }

  /**
   * Destroys domains of ours that shut down or crashed, and reports why. Runs on
   * @releaseDomain (fired whenever any domain goes away or shuts down).
   */
  async #reap(): Promise<void> {
    this.#watch.watch("@releaseDomain", "protect-reaper");
    for await (const _ of this.#watch.events(this.#stop.signal)) {
      // One bad pass (xenstored busy, a domain vanishing mid-read) must not end the reaper.
      await this.#reapOnce().catch((error) =>
        this.options.log.error("reaping stopped domains failed; retrying on the next event", {
          error,
        })
      );
    }
  }

  async #reapOnce(): Promise<void> {
    const live = new Map<string, DomainInfo>();
    for (const d of this.#xl.listDomains()) {
      const zoneId = this.#zoneIdOf(d);
      if (zoneId) live.set(zoneId, d);
    }
    for (const { zoneId, reason, crashed, leftover } of stoppedZones(this.#zones.keys(), live)) {
      const zone = this.#zones.get(zoneId);
      if (!zone) continue; // destroyed by protect while an earlier one was being reaped
      this.options.log.warn("zone's domain stopped", { zone: zoneId, domid: zone.domid, reason });
      this.#forget(zoneId);
      zone.markGone(new Error(`the zone's domain stopped: ${reason}`));
      if (leftover !== undefined) {
        await this.#destroyDomain(leftover).catch((error) =>
          this.options.log.error("destroying a stopped domain failed", { zone: zoneId, error })
        );
      }
      this.#onExit?.(zoneId, reason, crashed);
    }
  }
}
