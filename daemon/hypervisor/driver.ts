import type { HypervisorBackend, ZoneSpec } from "../../proto/mod.ts";
import type { Direction, IdmPeer } from "../../lib/idm/mod.ts";
import type { NetworkInterface, Packet } from "../../proto/gen/protect/idm/v1/idm_pb.ts";

/** Keystrokes to a zone's console. */
export interface ConsoleInput {
  write(data: Uint8Array): void;
  close(): void;
}

/** What a driver needs to start one zone. */
export interface ZoneLaunch {
  zoneId: string;
  name: string;
  spec: ZoneSpec;
  /** The zone's reserved MAC, for drivers whose NIC is made with the guest (`macAtCreate`). */
  mac?: string;
  /** Host files of a kernel the spec names by OCI reference (initrd "" when it has none). */
  kernelFiles?: { kernel: string; initrd: string };
}

/** Where protect-network finds a guest's end of its link. */
export type GuestLink = { netnsPid: number } | { vif: string };

/** The network a zone configures inside, sent in its bootstrap. */
export interface BootstrapNetwork {
  interfaces: NetworkInterface[];
  dnsServers: string[];
  /** resolv.conf `search` domains and `options`, when the zone's spec gives them. */
  dnsSearches?: string[];
  dnsOptions?: string[];
}

/** What a zone's agent is told at boot besides its randomness seed. */
export interface ZoneBoot {
  hostname: string;
  network?: BootstrapNetwork;
  /** Kernel parameters to set in the zone. */
  sysctls?: Record<string, string>;
  /** The zone spec's shares (host directories), in order. */
  shares?: string[];
}

/** A guest the driver knows about, as it reports it. */
export interface GuestInfo {
  zoneId: string;
  /** Driver handle: Xen domid, process PID, fake counter. */
  domainId: number;
  /** False once the guest has shut down or crashed. */
  running: boolean;
  /** Why it stopped, when it did. */
  exitReason?: string;
}

export interface CreatedGuest {
  domainId: number;
  /** The backend actually used (AUTO resolved). */
  backend: HypervisorBackend;
}

/** What a driver with a real hypervisor can say about the host (Xen: physinfo, console ring). */
export interface HypervisorIntrospection {
  /** The hypervisor's own console ring. */
  console(clear: boolean): string;
  /** Domains, devices and our zones' hypervisor-side state, as a JSON-able value. */
  debugInfo(): Promise<unknown>;
  cpuTopology(): Array<{ cpu: number; core: number; socket: number; node: number }>;
  /** Memory the hypervisor can still give to zones (not dom0's own). */
  memory(): { totalBytes: bigint; freeBytes: bigint };
  /** Which xenstore daemon runs: "oxenstored", "xenstored" or "unknown". */
  xenstore(): string;
  /** The hypervisor's figures for each of our zones that has a domain, by zone ID. */
  guests(): Map<string, GuestFigures>;
}

/** One guest as the hypervisor counts it (Xen: libxl_dominfo, the xenstore memory target). */
export interface GuestFigures {
  onlineVcpus: number;
  maxVcpus: number;
  cpuSeconds: number;
  memoryCurrentBytes: bigint;
  /** The balloon target last set (0n: unknown). */
  memoryTargetBytes: bigint;
  memoryMaxBytes: bigint;
}

export type { HostDevice } from "../devices/host_devices.ts";
import type { HostDevice } from "../devices/host_devices.ts";

/** Live resource targets for a running guest. */
export interface ResourceUpdate {
  targetMemoryMib: number;
  targetCpus: number;
  /** Upper bound set at creation (vCPUs cannot exceed it). */
  maxCpus: number;
}

/**
 * One interface for every way of running a zone. Drivers hold no policy: the
 * reconciler decides what to call and records what happened. All methods are
 * idempotent by zone ID so a restarted daemon can safely repeat the last step.
 */
export interface HypervisorDriver {
  readonly name: string;
  /** False unless zones are real VMs; surfaced in status so no one mistakes it. */
  readonly hardwareIsolation: boolean;
  /** Hypervisor version string for host status ("" when not applicable). */
  version(): Promise<string>;
  /** Builds the guest; it may still be booting when this returns. */
  createGuest(launch: ZoneLaunch, signal: AbortSignal): Promise<CreatedGuest>;
  /** Resolves once the guest's agent has applied its bootstrap (`boot`) and reported ready. */
  awaitReady(zoneId: string, signal: AbortSignal, boot: ZoneBoot): Promise<void>;
  /**
   * Resolves once the guest's agent has connected, within the boot timeout, with no
   * bootstrap (a warm-pool zone waits like that to be claimed). Absent: no pool zones.
   */
  awaitAgent?(zoneId: string, signal: AbortSignal): Promise<void>;
  /** Gives a running guest the name of the zone that claimed it (Xen: the domain's name). */
  renameGuest?(zoneId: string, name: string): Promise<void>;
  /**
   * True when the guest's NIC is made with the guest (Xen's vif), so its reserved
   * MAC must be known before createGuest; otherwise the link is made at attach.
   */
  readonly macAtCreate?: boolean;
  /** The guest's link for protect-network; absent or undefined when the driver gives none. */
  networkLink?(zoneId: string): Promise<GuestLink | undefined>;
  /** Removes the guest and everything the driver made for it; no error if already gone. */
  destroyGuest(zoneId: string): Promise<void>;
  /** Every guest this driver runs for protect, for re-adoption after a restart. */
  listGuests(): Promise<GuestInfo[]>;
  /**
   * The zone's IDM channel, for drivers whose zones run an agent (not the fake). Waits up
   * to `timeoutMs` (default CHANNEL_WAIT_MS; 0: no limit) for it to connect, then fails
   * with UnavailableError.
   */
  channel?(zoneId: string, timeoutMs?: number): Promise<IdmPeer>;
  /** Why this host cannot run a zone as `backend` (PV, PVH, AUTO), if it cannot. */
  backendProblem?(backend: HypervisorBackend, devices?: string[]): string | undefined;
  /** An ID for the next zone whose guest the driver has started ahead, if it has one. */
  reserveZoneId?(): string | undefined;
  /** A reserved ID no zone took (its creation was refused): its guest is reused or removed. */
  releaseZoneId?(zoneId: string): void;
  /** Calls `attach` with every IDM channel that connects (now and after reconnects). */
  onChannel?(attach: (zoneId: string, peer: IdmPeer) => void): void;
  /**
   * The zone's console output (kernel/agent log): from the start if `replay`
   * (else from now), then, if `follow`, new output until `signal` aborts.
   */
  console?(
    zoneId: string,
    replay: boolean,
    follow: boolean,
    signal: AbortSignal,
  ): AsyncIterable<Uint8Array>;
  /**
   * The zone's console input (Xen: xenconsoled's pty, relayed to the guest's hvc0, where
   * the agent keeps a shell). Absent when zones have no console device (process driver).
   */
  openConsoleInput?(zoneId: string): ConsoleInput;
  /** Calls `tap` with every IDM packet, both ways (the idm-snoop tee). */
  onPacket?(tap: (zoneId: string, direction: Direction, packet: Packet) => void): void;
  /**
   * Makes an image file visible inside the zone (Xen: hot-adds it as a
   * read-only disk) and returns its path there. Drivers without it share the
   * host path as is.
   */
  attachImage?(zoneId: string, workloadId: string, hostPath: string): Promise<string>;
  /** Undoes attachImage once the workload is gone; no error if nothing is attached. */
  detachImage?(zoneId: string, workloadId: string): Promise<void>;
  /**
   * Makes a volume (an ext4 file or block device) visible inside the zone, writable
   * (Xen: hot-adds it as a disk, once per zone) and returns where the zone finds it.
   * Drivers without it share the host path as is.
   */
  attachVolume?(zoneId: string, name: string, hostPath: string): Promise<string>;
  /** Undoes attachVolume once no workload of the zone uses it; no error if not attached. */
  detachVolume?(zoneId: string, name: string): Promise<void>;
  /** The volumes attached to the zone now (kept with the domain, so known after a restart). */
  attachedVolumes?(zoneId: string): string[];
  /** The host's devices zones could be given (PCI functions, block devices). */
  listDevices?(): HostDevice[];
  /**
   * Gives a host device to the running guest (block: a writable vbd; PCI: passthrough) and
   * returns where the zone sees it ("/dev/xvdc", or the PCI address). Idempotent: a device
   * the zone has already is found, not added again.
   */
  attachDevice?(zoneId: string, device: HostDevice): Promise<string>;
  /** Where the zone sees a block device it has now ("/dev/xvdc"); undefined if it has not. */
  deviceGuestPath?(zoneId: string, name: string): string | undefined;
  /** Takes the device back from the guest; no error if it does not have it. */
  detachDevice?(zoneId: string, device: HostDevice): Promise<void>;
  /** Calls `exited` when a running guest shuts down or crashes on its own. */
  onGuestExit?(exited: (zoneId: string, reason: string, crashed: boolean) => void): void;
  /** Present only on drivers with a hypervisor (not process, not fake). */
  readonly hypervisor?: HypervisorIntrospection;
  /** Changes a running guest's memory target and online vCPUs. */
  updateResources?(zoneId: string, update: ResourceUpdate): Promise<void>;
  /** Releases the driver's own resources (listeners, handles); guests keep running. */
  close?(): void;
}
