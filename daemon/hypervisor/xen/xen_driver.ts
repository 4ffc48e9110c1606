import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import {
  HelloSchema,
  type Packet,
  ZoneResourcesSchema,
} from "../../../proto/gen/protect/idm/v1/idm_pb.ts";
import { type Direction, IdmPeer } from "../../../lib/idm/mod.ts";
import type { Logger } from "../../../lib/log/mod.ts";
import {
  type DomainInfo,
  Libxl,
  SHUTDOWN_REASONS,
  ToolLogger,
  Vchan,
  XenCtrl,
  XenStore,
  XtlLevel,
} from "../../../xen/mod.ts";
import type {
  BootstrapNetwork,
  CreatedGuest,
  GuestInfo,
  GuestLink,
  HypervisorDriver,
  HypervisorIntrospection,
  ResourceUpdate,
  ZoneLaunch,
} from "../driver.ts";
import { bootstrapZone } from "../zone_bootstrap.ts";
import {
  diskJson,
  domainConfig,
  imageVdev,
  resolveBackend,
  ZONE_ID_KEY,
  type ZoneBootFiles,
} from "./domain_config.ts";
import { tailLines } from "./tail_lines.ts";
import { followFile } from "../follow_file.ts";
import { detachLoopDevice, listLoopDevices } from "./loop_devices.ts";
import { LoopReclaimer } from "./loop_reclaimer.ts";

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

const IDM_PATH = (domid: number) => `/local/domain/${domid}/data/protect/idm`;
const SESSION_PATH = (domid: number) => `/local/domain/${domid}/data/protect/idm-session`;
const OWN_PATH = (domid: number) => `/local/domain/${domid}/protect`;
const VIF_BACKEND_PATH = (domid: number) => `/local/domain/0/backend/vif/${domid}/0`;
const VBD_BACKENDS = "/local/domain/0/backend/vbd";
const HELLO_TIMEOUT_MS = 10_000;

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
  #waiters = new Map<string, Array<(peer: IdmPeer) => void>>();
  #diskQueue = new Map<string, Promise<unknown>>();
  #stop = new AbortController();
  #loops: LoopReclaimer;
  #onPeer?: (zoneId: string, peer: IdmPeer) => void;
  #onPacket?: (zoneId: string, direction: Direction, packet: Packet) => void;
  #onExit?: (zoneId: string, reason: string, crashed: boolean) => void;

  constructor(private readonly options: XenDriverOptions) {
    this.#loops = new LoopReclaimer({
      list: () => listLoopDevices(),
      inUse: () => this.#loopsInUse(),
      detach: detachLoopDevice,
      owns: (file) =>
        file === this.options.boot.addons || file.startsWith(`${this.options.stateDir}/`),
      log: this.options.log,
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

  version(): Promise<string> {
    return Promise.resolve(`Xen ${this.#xl.version()}`);
  }

  async createGuest(launch: ZoneLaunch, signal: AbortSignal): Promise<CreatedGuest> {
    const backend = resolveBackend(launch.spec.backend);
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
    const config = domainConfig({
      zoneId: launch.zoneId,
      name: launch.name,
      spec: launch.spec,
      boot: this.options.boot,
      mac: launch.mac,
    });
    const started = performance.now();
    // block-protect binds the disks' loop devices inside this call.
    const domid = await this.#loops.building(() => this.#xl.createDomain(JSON.stringify(config)));
    this.options.log.info("domain created", {
      zone: launch.name,
      domid,
      ms: Math.round(performance.now() - started),
    });
    try {
      if (signal.aborted) throw signal.reason;
      this.#adopt(launch.zoneId, launch.name, domid);
      this.#xl.unpause(domid);
    } catch (e) {
      this.#forget(launch.zoneId);
      await this.#destroyDomain(domid);
      throw e;
    }
    return { domainId: domid, backend };
  }

  awaitReady(zoneId: string, signal: AbortSignal, network?: BootstrapNetwork): Promise<void> {
    const zone = this.#zones.get(zoneId);
    if (!zone) return Promise.reject(new Error("the zone's domain is gone"));
    return bootstrapZone({
      zoneId,
      hostname: zone.name,
      peer: this.channel(zoneId),
      timeoutMs: this.options.bootTimeoutMs,
      signal,
      guestGone: zone.gone,
      network,
    });
  }

  /** The zone's vif (made with the domain, named by domainConfig), if it has one. */
  networkLink(zoneId: string): Promise<GuestLink | undefined> {
    const domain = this.#domainOf(zoneId);
    const vifname = domain && this.#xs.read(`${VIF_BACKEND_PATH(domain.domid)}/vifname`);
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

  channel(zoneId: string): Promise<IdmPeer> {
    const peer = this.#zones.get(zoneId)?.peer;
    if (peer) return Promise.resolve(peer);
    const { promise, resolve } = Promise.withResolvers<IdmPeer>();
    this.#waiters.set(zoneId, [...(this.#waiters.get(zoneId) ?? []), resolve]);
    return promise;
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
    return this.#serialDisks(zoneId, async () => {
      const domid = this.#requireDomid(zoneId);
      const dir = `${OWN_PATH(domid)}/disks`;
      const used = new Set(this.#xs.directory(dir).map((slot) => this.#xs.read(`${dir}/${slot}`)));
      let slot = 0;
      while (used.has(imageVdev(slot))) slot++;
      const vdev = imageVdev(slot);
      const disk = JSON.stringify(diskJson(hostPath, vdev, false, this.options.boot.hotplugScript));
      await this.#loops.building(() => this.#xl.addDisk(domid, disk));
      this.#xs.write(`${dir}/${workloadId}`, vdev);
      return `/dev/${vdev}`;
    });
  }

  detachImage(zoneId: string, workloadId: string): Promise<void> {
    return this.#serialDisks(zoneId, async () => {
      const domain = this.#domainOf(zoneId);
      if (!domain) return;
      const key = `${OWN_PATH(domain.domid)}/disks/${workloadId}`;
      const vdev = this.#xs.read(key);
      if (!vdev) return;
      try {
        await this.#xl.removeDisk(
          domain.domid,
          JSON.stringify(diskJson("", vdev, false, this.options.boot.hotplugScript)),
        );
      } finally {
        await this.#loops.reclaim();
      }
      this.#xs.rm(key);
    });
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
    const name = this.#xs.read(`/local/domain/${domain.domid}/name`) ?? "";
    yield* followFile(`${this.options.consoleLogDir}/guest-${name}.log`, replay, follow, signal);
  }

  readonly hypervisor: HypervisorIntrospection = {
    console: (clear) => this.#xc.readConsoleRing(clear),
    cpuTopology: () => this.#xl.cpuTopology(),
    memory: () => {
      const p = this.#xc.physinfo();
      return { totalBytes: p.totalPages * 4096n, freeBytes: p.freePages * 4096n };
    },
    debugInfo: () => Promise.resolve(this.#debugInfo()),
  };

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

  /** Every domain, and for ours the xenstore keys and block backends protect made. */
  #debugInfo(): unknown {
    const dump = (path: string, depth = 0): unknown => {
      const children = this.#xs.directory(path);
      if (children.length === 0 || depth > 6) return this.#xs.read(path) ?? null;
      return Object.fromEntries(children.map((c) => [c, dump(`${path}/${c}`, depth + 1)]));
    };
    return {
      physical: this.#xc.physinfo(),
      domains: this.#xl.listDomains().map((d) => {
        const zoneId = this.#zoneIdOf(d);
        return {
          ...d,
          zoneId: zoneId ?? null,
          protect: zoneId ? dump(OWN_PATH(d.domid)) : undefined,
          blockBackends: zoneId ? dump(`/local/domain/0/backend/vbd/${d.domid}`) : undefined,
          vifBackends: zoneId ? dump(`/local/domain/0/backend/vif/${d.domid}`) : undefined,
          idm: zoneId ? { connected: !!this.#zones.get(zoneId)?.peer } : undefined,
        };
      }),
    };
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
    const vchan = Vchan.server({ logger: this.#logger().pointer, domid, path: IDM_PATH(domid) });
    // A new session value tells a connected agent that the host side was replaced.
    this.#xs.write(SESSION_PATH(domid), crypto.randomUUID());
    zone.vchan = vchan;
    const log = this.options.log.with({ zone: zoneId, domid });
    const peer = new IdmPeer(vchan, {
      log,
      role: "host",
      onPacket: (direction, packet) => this.#onPacket?.(zoneId, direction, packet),
    });
    const timer = setTimeout(() => {
      if (!vchan.waiting) {
        log.warn("zone agent connected but never said hello; dropped");
        peer.close();
      }
    }, HELLO_TIMEOUT_MS);
    peer.onEvent("hello", (payload) => {
      clearTimeout(timer);
      const hello = fromBinary(HelloSchema, payload);
      if (hello.zoneId !== zoneId) {
        log.warn("zone agent hello names another zone; dropped", {
          claimed: hello.zoneId.slice(0, 64),
        });
        return peer.close();
      }
      zone.peer = peer;
      this.#onPeer?.(zoneId, peer);
      for (const resolve of this.#waiters.get(zoneId) ?? []) resolve(peer);
      this.#waiters.delete(zoneId);
      log.info("zone agent connected over vchan");
    });
    peer.done.then(() => {
      clearTimeout(timer);
      const current = this.#zones.get(zoneId);
      if (current?.vchan !== vchan) return;
      current.peer = undefined;
      current.vchan = undefined;
      // The agent closed its end (restart): offer a new channel while the domain lives.
      if (this.#domainOf(zoneId)?.domid === domid) {
        log.warn("zone channel closed; offering a new one");
        this.#openChannel(zoneId, domid);
      }
    });
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

  #serialDisks<T>(zoneId: string, step: () => Promise<T>): Promise<T> {
    const next = (this.#diskQueue.get(zoneId) ?? Promise.resolve()).then(step, step);
    this.#diskQueue.set(zoneId, next.catch(() => {}));
    return next;
  }

  /** libxl's destroy, then whatever loop devices its hotplug scripts failed to release. */
  async #destroyDomain(domid: number): Promise<void> {
    try {
      await this.#xl.destroy(domid);
    } finally {
      await this.#loops.reclaim();
    }
  }

  /** Loop devices the block backends name (block-protect writes `physical-device-path`). */
  #loopsInUse(): Set<string> {
    const used = new Set<string>();
    for (const domid of this.#xs.directory(VBD_BACKENDS)) {
      for (const dev of this.#xs.directory(`${VBD_BACKENDS}/${domid}`)) {
        const path = this.#xs.read(`${VBD_BACKENDS}/${domid}/${dev}/physical-device-path`);
        if (path) used.add(path);
      }
    }
    return used;
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
    for (const [zoneId, zone] of [...this.#zones]) {
      const d = live.get(zoneId);
      if (d && !d.shutdown) continue;
      const reason = d ? describeShutdown(d) : "domain was destroyed outside protect";
      const crashed = !d || d.shutdownReason !== 0;
      this.options.log.warn("zone's domain stopped", { zone: zoneId, domid: zone.domid, reason });
      this.#forget(zoneId);
      zone.markGone(new Error(`the zone's domain stopped: ${reason}`));
      if (d && !d.dying) {
        await this.#destroyDomain(d.domid).catch((error) =>
          this.options.log.error("destroying a stopped domain failed", { zone: zoneId, error })
        );
      }
      this.#onExit?.(zoneId, reason, crashed);
    }
  }
}

function describeShutdown(d: DomainInfo): string {
  const reason = SHUTDOWN_REASONS[d.shutdownReason] ?? `reason ${d.shutdownReason}`;
  return reason === "crash" ? "the guest crashed" : `the guest shut down (${reason})`;
}
