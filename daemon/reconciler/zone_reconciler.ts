import { ZoneState } from "../../proto/mod.ts";
import type { Logger } from "../../lib/log/mod.ts";
import type { HypervisorDriver } from "../hypervisor/mod.ts";
import type { ZoneRecord } from "../state/mod.ts";
import {
  withSpecDns,
  type ZoneLedger,
  type ZoneNetworking,
  type ZoneNetworkSetup,
} from "../zones/mod.ts";
import { isKernelReference } from "../validation/mod.ts";
import type { ZoneDevices } from "../devices/mod.ts";

export interface ZoneReconcilerDeps {
  ledger: ZoneLedger;
  driver: HypervisorDriver;
  /** Connects zones to protect-network; absent in tests of the lifecycle alone. */
  network?: ZoneNetworking;
  /** The host files of a kernel image named by OCI reference (protect-storage). */
  kernelFiles?: (reference: string) => Promise<{ kernel: string; initrd: string }>;
  /** Gives a booted zone the devices its spec names, before it is READY. */
  devices?: Pick<ZoneDevices, "attachAll">;
  log: Logger;
}

interface InFlight {
  done: Promise<void>;
  /** Aborts a create/boot step when the operator asks for destruction meanwhile. */
  abort: AbortController;
}

/** States in which a zone that should exist needs no further work. */
const SETTLED = new Set([
  ZoneState.READY,
  ZoneState.POOLED,
  ZoneState.EXITED,
  ZoneState.FAILED,
]);

/**
 * Moves each zone's recorded state towards its desired state, one step at a
 * time, persisting every transition before taking the next step so a
 * restarted daemon resumes where the last one stopped.
 */
export class ZoneReconciler {
  #inFlight = new Map<string, InFlight>();
  /** What each POOLED zone's host side was attached with (lost on restart: claims attach). */
  #poolNetworks = new Map<string, ZoneNetworkSetup>();
  #stopping = false;

  constructor(private readonly deps: ZoneReconcilerDeps) {}

  /** Starts work for every zone that needs it. Cheap; call after each change. */
  wake(): void {
    if (this.#stopping) return;
    for (const zone of this.deps.ledger.store.list()) {
      const running = this.#inFlight.get(zone.id);
      if (running) {
        if (zone.desired === "absent") running.abort.abort(new Error("zone destroy requested"));
        continue;
      }
      if (zone.desired === "present" && SETTLED.has(zone.state)) continue;
      const abort = new AbortController();
      const done = this.#drive(zone.id, abort.signal)
        .catch((error) => this.deps.log.error("reconciler bug", { zone: zone.id, error }))
        .finally(() => this.#inFlight.delete(zone.id));
      this.#inFlight.set(zone.id, { done, abort });
    }
  }

  /**
   * After a restart: compares records with the guests the driver reports,
   * decides for each mismatch (logged), then resumes in-flight work.
   */
  async recover(): Promise<void> {
    const { ledger, driver, log } = this.deps;
    const zones = ledger.store;
    const guests = new Map((await driver.listGuests()).map((g) => [g.zoneId, g]));
    for (const [zoneId, guest] of guests) {
      if (zones.find(zoneId)) continue;
      log.warn("guest has no zone record; destroying the orphan", {
        zone: zoneId,
        domain: guest.domainId,
      });
      await driver.destroyGuest(zoneId);
    }
    for (const zone of zones.list()) {
      const guest = guests.get(zone.id);
      if (zone.desired !== "present") continue;
      const live = zone.state === ZoneState.READY || zone.state === ZoneState.POOLED;
      if (live && !guest?.running) {
        const reason = guest?.exitReason ?? "guest disappeared while the daemon was down";
        log.warn("zone lost its guest; marking it FAILED", { zone: zone.name, reason });
        this.deps.ledger.transition(zone.id, ZoneState.FAILED, { error: reason });
      } else if (zone.state === ZoneState.CREATED && !guest) {
        log.warn("zone was booting but its guest is gone; creating it again", {
          zone: zone.name,
        });
        this.deps.ledger.transition(zone.id, ZoneState.CREATING, {});
      } else if (zone.state === ZoneState.CREATING || zone.state === ZoneState.CREATED) {
        log.info("resuming interrupted launch", {
          zone: zone.name,
          state: ZoneState[zone.state],
        });
      }
    }
    this.wake();
  }

  /** Resolves when no step is running (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.#inFlight.size > 0) {
      await Promise.all([...this.#inFlight.values()].map((f) => f.done));
    }
  }

  /** Interrupts running steps; their zones resume on the next start. */
  async stop(): Promise<void> {
    this.#stopping = true;
    for (const f of this.#inFlight.values()) f.abort.abort(new Error("daemon stopping"));
    await this.idle();
  }

  async #drive(zoneId: string, signal: AbortSignal): Promise<void> {
    while (!this.#stopping) {
      const zone = this.deps.ledger.store.find(zoneId);
      if (!zone) return;
      if (zone.desired === "absent") return await this.#destroy(zone);
      if (SETTLED.has(zone.state) || signal.aborted) return;
      try {
        await this.#stepTowardsReady(zone, signal);
      } catch (error) {
        if (signal.aborted) continue; // destroy requested, or stopping: re-read and decide
        const reason = `${stepName(zone.state)} failed: ${(error as Error).message}`;
        this.deps.log.error("zone failed", { zone: zone.name, reason });
        this.deps.ledger.transition(zoneId, ZoneState.FAILED, { error: reason });
        // Free what the driver made so a failed zone holds no hypervisor resources.
        await this.deps.driver.destroyGuest(zoneId).catch((e) =>
          this.deps.log.error("cleanup after failure also failed", { zone: zone.name, error: e })
        );
        await this.deps.network?.detach(zone);
        return;
      }
    }
  }

  /**
   * The network a claimed pool zone's host side got while it was pooled, when the claim
   * asks for nothing it lacks (published ports, isolation): the attach would change nothing.
   */
  #claimedNetwork(zone: ZoneRecord): ZoneNetworkSetup | undefined {
    const wanted = zone.spec.network;
    if (!zone.fromPool || wanted?.disabled || wanted?.isolated) return undefined;
    if ((wanted?.publish.length ?? 0) > 0) return undefined;
    return this.#poolNetworks.get(zone.id);
  }

  /** A kernel named by OCI reference, pulled and extracted (once per image) before the build. */
  async #kernelFiles(zone: ZoneRecord) {
    if (!isKernelReference(zone.spec.kernel)) return undefined;
    if (!this.deps.kernelFiles) throw new Error("this daemon cannot fetch kernel images");
    try {
      return await this.deps.kernelFiles(zone.spec.kernel);
    } catch (e) {
      throw new Error(`kernel ${zone.spec.kernel}: ${(e as Error).message}`);
    }
  }

  async #stepTowardsReady(zone: ZoneRecord, signal: AbortSignal): Promise<void> {
    const { driver } = this.deps;
    if (zone.state === ZoneState.CREATING) {
      // The NIC's MAC is reserved while the guest is built: no RPC before libxl's call.
      const kernelFiles = await this.#kernelFiles(zone);
      const nic = driver.macAtCreate ? this.deps.network?.reserveNic(zone) : undefined;
      const guest = await driver.createGuest(
        { zoneId: zone.id, name: zone.name, spec: zone.spec, mac: nic?.mac, kernelFiles },
        signal,
      );
      await nic?.reserved; // before attach, which would otherwise reserve with another MAC
      this.deps.ledger.transition(zone.id, ZoneState.CREATED, {
        domainId: guest.domainId,
        backend: guest.backend,
      });
    } else if (zone.state === ZoneState.CREATED && zone.spec.pool) {
      // A warm-pool zone stops here: its agent connected, no identity until it is claimed.
      if (!driver.awaitAgent) throw new Error(`the ${driver.name} driver keeps no pool zones`);
      const link = await driver.networkLink?.(zone.id);
      // The host's side of its link is made while the guest boots (the zone configures
      // nothing until its bootstrap), so a claim without ports or isolation skips it.
      const [network] = await Promise.all([
        this.deps.network?.attach(zone, link),
        driver.awaitAgent(zone.id, signal),
      ]);
      if (network) this.#poolNetworks.set(zone.id, network);
      this.deps.ledger.transition(zone.id, ZoneState.POOLED, {});
    } else if (zone.state === ZoneState.CREATED) {
      const started = performance.now();
      // A claimed pool zone's guest still has the pool's name.
      if (zone.fromPool) await driver.renameGuest?.(zone.id, zone.name);
      const renamed = performance.now();
      const network = this.#claimedNetwork(zone) ??
        await this.deps.network?.attach(zone, await driver.networkLink?.(zone.id));
      this.#poolNetworks.delete(zone.id);
      const attached = performance.now();
      await driver.awaitReady(zone.id, signal, {
        hostname: zone.spec.hostname || zone.name,
        sysctls: zone.spec.sysctls,
        shares: zone.spec.shares.map((s) => s.hostPath),
        network: withSpecDns(network, zone.spec),
      });
      if (zone.spec.devices.length > 0) await this.deps.devices?.attachAll(zone);
      // Where the step's time went (a claim's whole latency; a cold boot's wait for the guest).
      this.deps.log.info("zone bootstrapped", {
        zone: zone.name,
        fromPool: zone.fromPool || undefined,
        renameMs: zone.fromPool ? Math.round(renamed - started) : undefined,
        networkMs: Math.round(attached - renamed),
        bootMs: Math.round(performance.now() - attached),
      });
      this.deps.ledger.transition(zone.id, ZoneState.READY, {
        readyAt: new Date(),
        ipv4: network?.ipv4 ?? "",
        ipv6: network?.ipv6 ?? "",
      });
    }
  }

  async #destroy(zone: ZoneRecord): Promise<void> {
    this.#poolNetworks.delete(zone.id);
    if (zone.state !== ZoneState.DESTROYING) {
      this.deps.ledger.transition(zone.id, ZoneState.DESTROYING, {});
    }
    try {
      await this.deps.driver.destroyGuest(zone.id);
    } catch (error) {
      // Stay DESTROYING: the next wake retries, and the record keeps the reason.
      const reason = `destroying the guest failed: ${(error as Error).message}`;
      this.deps.log.error("zone destroy failed", { zone: zone.name, reason });
      this.deps.ledger.transition(zone.id, ZoneState.DESTROYING, { error: reason });
      return;
    }
    await this.deps.network?.detach(zone);
    const gone = this.deps.ledger.transition(zone.id, ZoneState.DESTROYED, {
      exitedAt: new Date(),
    });
    if (gone) this.deps.ledger.forget(zone.id);
  }
}

function stepName(state: ZoneState): string {
  return state === ZoneState.CREATING ? "creating the guest" : "waiting for the zone to be ready";
}
