import { HypervisorBackend } from "../../../proto/mod.ts";
import type { CreatedGuest, GuestInfo, HypervisorDriver, ZoneLaunch } from "../driver.ts";

/**
 * Annotation a test sets on a zone to make the fake fail a step, e.g.
 * `protect.dev/fake-fail=create` or `=boot`. Only the fake reads it.
 */
export const FAKE_FAIL_ANNOTATION = "protect.dev/fake-fail";

export interface FakeDriverOptions {
  /** Simulated boot time between create and ready. */
  bootDelayMs: number;
  /**
   * If set, guests are kept in this JSON file, so like real Xen domains they
   * outlive a daemon restart and re-adoption can be tested.
   */
  statePath?: string;
}

interface FakeGuest {
  zoneId: string;
  domainId: number;
  running: boolean;
  failBoot: boolean;
  bootedAt: number;
}

/**
 * In-memory hypervisor for tests of the daemon's logic. Nothing runs and
 * nothing is isolated; the driver says so in its name and status.
 */
export class FakeDriver implements HypervisorDriver {
  readonly name = "fake";
  readonly hardwareIsolation = false;
  #guests = new Map<string, FakeGuest>();
  #nextDomainId = 1;

  constructor(private readonly options: FakeDriverOptions) {
    this.#load();
  }

  version(): Promise<string> {
    return Promise.resolve("fake (no hypervisor)");
  }

  /** Volumes attached to each zone, as a hypervisor would keep them with the domain. */
  readonly volumes = new Map<string, Set<string>>();

  attachVolume(zoneId: string, name: string, hostPath: string): Promise<string> {
    this.volumes.set(zoneId, (this.volumes.get(zoneId) ?? new Set()).add(name));
    return Promise.resolve(hostPath);
  }

  detachVolume(zoneId: string, name: string): Promise<void> {
    this.volumes.get(zoneId)?.delete(name);
    return Promise.resolve();
  }

  attachedVolumes(zoneId: string): string[] {
    return [...this.volumes.get(zoneId) ?? []];
  }

  /** What each zone's console was sent; its console shows it back, as a guest's tty echoes. */
  readonly typed = new Map<string, string>();
  #typing = Promise.withResolvers<void>();

  openConsoleInput(zoneId: string) {
    if (!this.#guests.get(zoneId)?.running) throw new Error(`fake guest ${zoneId} is not running`);
    return {
      write: (data: Uint8Array) => {
        this.typed.set(zoneId, (this.typed.get(zoneId) ?? "") + new TextDecoder().decode(data));
        this.#typing.resolve();
        this.#typing = Promise.withResolvers<void>();
      },
      close: () => {},
    };
  }

  /** The echo of what was typed, from the start if `replay`; then, if `follow`, more until aborted. */
  async *console(zoneId: string, replay: boolean, follow: boolean, signal: AbortSignal) {
    let shown = replay ? 0 : (this.typed.get(zoneId) ?? "").length;
    const aborted = new Promise<void>((r) => signal.addEventListener("abort", () => r()));
    while (!signal.aborted) {
      const text = this.typed.get(zoneId) ?? "";
      if (text.length > shown) yield new TextEncoder().encode(text.slice(shown));
      shown = text.length;
      if (!follow) return;
      await Promise.race([this.#typing.promise, aborted]);
    }
  }

  createGuest(launch: ZoneLaunch, _signal: AbortSignal): Promise<CreatedGuest> {
    const fail = launch.spec.annotations[FAKE_FAIL_ANNOTATION];
    if (fail === "create") {
      return Promise.reject(new Error("fake driver: injected create failure"));
    }
    const existing = this.#guests.get(launch.zoneId);
    const guest = existing ?? {
      zoneId: launch.zoneId,
      domainId: this.#nextDomainId++,
      running: true,
      failBoot: fail === "boot",
      bootedAt: Date.now() + this.options.bootDelayMs,
    };
    this.#guests.set(launch.zoneId, guest);
    this.#save();
    const backend = launch.spec.backend === HypervisorBackend.PVH
      ? HypervisorBackend.PVH
      : HypervisorBackend.PV;
    return Promise.resolve({ domainId: guest.domainId, backend });
  }

  async awaitReady(zoneId: string, signal: AbortSignal): Promise<void> {
    const guest = this.#guests.get(zoneId);
    if (!guest) throw new Error(`fake driver: no guest for zone ${zoneId}`);
    const wait = guest.bootedAt - Date.now();
    if (wait > 0) await abortableSleep(wait, signal);
    if (guest.failBoot) {
      guest.running = false;
      this.#save();
      throw new Error("fake driver: injected boot failure (guest exited before ready)");
    }
  }

  #onExit?: (zoneId: string, reason: string, crashed: boolean) => void;

  onGuestExit(exited: (zoneId: string, reason: string, crashed: boolean) => void): void {
    this.#onExit = exited;
  }

  /** Test hook: the guest stops on its own (a shutdown, or a crash), as a reaper reports it. */
  exitGuest(zoneId: string, reason: string, crashed: boolean): void {
    const guest = this.#guests.get(zoneId);
    if (!guest) throw new Error(`fake driver: no guest for zone ${zoneId}`);
    guest.running = false;
    this.#save();
    this.#onExit?.(zoneId, reason, crashed);
  }

  /** A fake guest has no agent: "connected" once it has booted, as awaitReady has it. */
  async awaitAgent(zoneId: string, signal: AbortSignal): Promise<void> {
    await this.awaitReady(zoneId, signal);
  }

  destroyGuest(zoneId: string): Promise<void> {
    this.#guests.delete(zoneId);
    this.#save();
    return Promise.resolve();
  }

  listGuests(): Promise<GuestInfo[]> {
    return Promise.resolve(
      [...this.#guests.values()].map(({ zoneId, domainId, running }) => ({
        zoneId,
        domainId,
        running,
      })),
    );
  }

  /** Test hook: a guest appears that no zone record owns (an orphan). */
  injectOrphan(zoneId: string): void {
    this.#guests.set(zoneId, {
      zoneId,
      domainId: this.#nextDomainId++,
      running: true,
      failBoot: false,
      bootedAt: 0,
    });
    this.#save();
  }

  #load(): void {
    if (!this.options.statePath) return;
    try {
      const saved = JSON.parse(Deno.readTextFileSync(this.options.statePath)) as FakeGuest[];
      for (const g of saved) this.#guests.set(g.zoneId, g);
      this.#nextDomainId = Math.max(0, ...saved.map((g) => g.domainId)) + 1;
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
  }

  #save(): void {
    if (!this.options.statePath) return;
    const tmp = this.options.statePath + ".tmp";
    Deno.writeTextFileSync(tmp, JSON.stringify([...this.#guests.values()]));
    Deno.renameSync(tmp, this.options.statePath);
  }
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
