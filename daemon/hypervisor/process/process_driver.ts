import { create, toBinary } from "@bufbuild/protobuf";
import { join } from "node:path";
import { type Packet, PingSchema } from "../../../proto/gen/protect/idm/v1/idm_pb.ts";
import { HypervisorBackend } from "../../../proto/mod.ts";
import type { Logger } from "../../../lib/log/mod.ts";
import type { Direction, IdmPeer } from "../../../lib/idm/mod.ts";
import type {
  CreatedGuest,
  GuestInfo,
  GuestLink,
  HypervisorDriver,
  ZoneBoot,
  ZoneLaunch,
} from "../driver.ts";
import { agentArgs, agentEnv } from "./agent_command.ts";
import { ZoneEndpoint } from "./zone_endpoint.ts";
import { awaitAgentConnected, bootstrapZone } from "../zone_bootstrap.ts";
import { followFile } from "../follow_file.ts";
import { exists } from "../../../lib/fs/mod.ts";

export interface ProcessDriverOptions {
  /** One directory per zone: guest.json, agent.log. */
  zonesDir: string;
  /** The IDM socket every agent connects to. */
  endpointPath: string;
  denoPath: string;
  agentEntry: string;
  bootTimeoutMs: number;
  log: Logger;
  /** Keep one agent started ahead of the next zone (reserveZoneId). */
  spareAgent?: boolean;
}

interface GuestFile {
  pid: number;
  name: string;
  token: string;
}

interface Spare {
  zoneId: string;
  pid: number;
  token: string;
}

/**
 * Development backend: a zone is a namespaced process tree on the host (own
 * PID/mount/UTS/IPC namespaces) running the real zone agent, IDM over a Unix
 * socket. NO hardware isolation — it says so in its name and status.
 */
export class ProcessDriver implements HypervisorDriver {
  readonly name = "process";
  readonly hardwareIsolation = false;
  readonly endpoint: ZoneEndpoint;

  /** The agent started ahead for the next zone, and those handed out but not yet created. */
  #spare?: Spare;
  #reserved = new Map<string, Spare>();
  #closed = false;

  constructor(private readonly options: ProcessDriverOptions) {
    Deno.mkdirSync(options.zonesDir, { recursive: true, mode: 0o700 });
    this.endpoint = new ZoneEndpoint(options.endpointPath, options.log);
    if (options.spareAgent) this.#startSpare();
  }

  version(): Promise<string> {
    return Promise.resolve("process sandbox (no hypervisor)");
  }

  #dir(zoneId: string): string {
    return join(this.options.zonesDir, zoneId);
  }

  /** A process zone is no VM: asking for a guest type is refused, not ignored. */
  backendProblem(backend: HypervisorBackend): string | undefined {
    if (backend === HypervisorBackend.PV || backend === HypervisorBackend.PVH) {
      return "spec.backend: the process driver runs zones as namespaced processes, not Xen " +
        "guests; pv and pvh need the xen driver (leave the backend unset or auto)";
    }
    return undefined;
  }

  /**
   * The ID of the next zone, whose agent is already running (the spare): a launch then
   * skips the agent's start, most of a process zone's boot. Starts the next spare.
   */
  reserveZoneId(): string | undefined {
    const spare = this.#spare;
    if (!spare) return undefined;
    this.#spare = undefined;
    this.#reserved.set(spare.zoneId, spare);
    setTimeout(() => this.#startSpare(), 0); // after the caller's answer, not before
    return spare.zoneId;
  }

  releaseZoneId(zoneId: string): void {
    const spare = this.#reserved.get(zoneId);
    if (!spare) return;
    this.#reserved.delete(zoneId);
    if (!this.#spare && !this.#closed) {
      this.#spare = spare; // the next zone takes it after all
      return;
    }
    this.#kill(zoneId)
      .then(() => Deno.removeSync(this.#dir(zoneId), { recursive: true }))
      .catch((error) => this.options.log.warn("could not remove an unused spare agent", { error }));
  }

  async createGuest(launch: ZoneLaunch, _signal: AbortSignal): Promise<CreatedGuest> {
    const dir = this.#dir(launch.zoneId);
    const spare = this.#reserved.get(launch.zoneId);
    this.#reserved.delete(launch.zoneId);
    if (spare && this.#alive(spare.pid, launch.zoneId)) {
      this.#record(launch.zoneId, { ...spare, name: launch.name });
      return { domainId: spare.pid, backend: HypervisorBackend.UNSPECIFIED };
    }
    // CREATING again after a restart: an agent the interrupted launch started (recorded or
    // not) would live on beside the new one, refused by the endpoint forever. Every launch
    // makes the directory before it spawns, so a first launch need not look.
    const leftovers = exists(dir) ? await this.#processes(launch.zoneId) : [];
    if (leftovers.length > 0) {
      this.options.log.warn("killing the agent of an interrupted launch", {
        zone: launch.name,
        pids: leftovers.map((p) => p.pid),
      });
      await this.#kill(launch.zoneId);
    }
    const guest = { ...this.#spawn(launch.zoneId), name: launch.name };
    this.#record(launch.zoneId, guest);
    return { domainId: guest.pid, backend: HypervisorBackend.UNSPECIFIED };
  }

  /** Starts a zone's agent (its directory made first, so a restart finds what it left). */
  #spawn(zoneId: string): { pid: number; token: string } {
    const dir = this.#dir(zoneId);
    Deno.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const token = Array.from(
      crypto.getRandomValues(new Uint8Array(24)),
      (b) => b.toString(16).padStart(2, "0"),
    )
      .join("");
    this.endpoint.expect(zoneId, token);
    const command = {
      denoPath: this.options.denoPath,
      agentEntry: this.options.agentEntry,
      socket: this.options.endpointPath,
      logFile: join(dir, "agent.log"),
      zoneId,
      token,
      workDir: join(dir, "work"),
    };
    const child = new Deno.Command("unshare", {
      args: agentArgs(command),
      env: agentEnv(command),
      clearEnv: true,
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    child.unref(); // the zone outlives a daemon restart, like a Xen domain
    return { pid: child.pid, token };
  }

  #record(zoneId: string, guest: GuestFile): void {
    Deno.writeTextFileSync(join(this.#dir(zoneId), "guest.json"), JSON.stringify(guest), {
      mode: 0o600,
    });
  }

  /** One agent started ahead, for the next zone (see reserveZoneId). */
  #startSpare(): void {
    if (this.#closed || this.#spare) return;
    const zoneId = crypto.randomUUID();
    try {
      this.#spare = { zoneId, ...this.#spawn(zoneId) };
    } catch (error) {
      this.options.log.warn("could not start a spare zone agent", { error });
    }
  }

  async awaitReady(zoneId: string, signal: AbortSignal, boot: ZoneBoot): Promise<void> {
    const guest = this.#guest(zoneId);
    if (!guest) throw new Error("zone process record is missing");
    await bootstrapZone({
      zoneId,
      hostname: boot.hostname,
      peer: this.endpoint.peer(zoneId, 0), // bootstrapZone has the boot deadline
      timeoutMs: this.options.bootTimeoutMs,
      signal,
      network: boot.network,
      sysctls: boot.sysctls,
      // The agent's mount namespace is a copy of the host's: it binds the directory itself.
      shares: (boot.shares ?? []).map((hostPath) => ({ hostPath })),
    });
  }

  awaitAgent(zoneId: string, signal: AbortSignal): Promise<void> {
    if (!this.#guest(zoneId)) return Promise.reject(new Error("zone process record is missing"));
    return awaitAgentConnected({
      peer: this.endpoint.peer(zoneId, 0),
      timeoutMs: this.options.bootTimeoutMs,
      signal,
    });
  }

  renameGuest(zoneId: string, name: string): Promise<void> {
    const guest = this.#guest(zoneId);
    if (!guest) return Promise.reject(new Error("zone process record is missing"));
    this.#record(zoneId, { ...guest, name });
    return Promise.resolve();
  }

  /** The zone's network namespace is unshare's: protect-network puts the veth's far end there. */
  networkLink(zoneId: string): Promise<GuestLink | undefined> {
    const guest = this.#guest(zoneId);
    return Promise.resolve(guest ? { netnsPid: guest.pid } : undefined);
  }

  async destroyGuest(zoneId: string): Promise<void> {
    this.#reserved.delete(zoneId);
    await this.#kill(zoneId);
    this.endpoint.forget(zoneId);
    try {
      Deno.removeSync(this.#dir(zoneId), { recursive: true });
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
  }

  async listGuests(): Promise<GuestInfo[]> {
    const guests: GuestInfo[] = [];
    // Zone processes with no record (a launch killed before it wrote one): orphans, unless
    // a zone record claims them.
    const spares = new Set([this.#spare?.zoneId, ...this.#reserved.keys()]);
    for (const { pid, zoneId } of await this.#processes()) {
      if (spares.has(zoneId)) continue; // this daemon's, waiting for a zone
      if (!this.#guest(zoneId)) guests.push({ zoneId, domainId: pid, running: true });
    }
    for (const entry of Deno.readDirSync(this.options.zonesDir)) {
      const guest = this.#guest(entry.name);
      if (!guest) continue;
      const running = this.#alive(guest.pid, entry.name);
      // Re-adopt: the agent reconnects and proves itself with the same token.
      if (running) this.endpoint.expect(entry.name, guest.token);
      guests.push({
        zoneId: entry.name,
        domainId: guest.pid,
        running,
        exitReason: running ? undefined : "zone process exited while the daemon was down",
      });
    }
    return guests;
  }

  channel(zoneId: string, timeoutMs?: number): Promise<IdmPeer> {
    return this.endpoint.peer(zoneId, timeoutMs);
  }

  onChannel(attach: (zoneId: string, peer: IdmPeer) => void): void {
    this.endpoint.onPeer = attach;
  }

  onPacket(tap: (zoneId: string, direction: Direction, packet: Packet) => void): void {
    this.endpoint.onPacket = tap;
  }

  /** A process zone's console is its agent's log file. */
  console(
    zoneId: string,
    replay: boolean,
    follow: boolean,
    signal: AbortSignal,
  ): AsyncGenerator<Uint8Array> {
    return followFile(join(this.#dir(zoneId), "agent.log"), replay, follow, signal);
  }

  /** Health check over IDM. */
  async ping(zoneId: string): Promise<void> {
    const peer = await this.endpoint.peer(zoneId);
    await peer.request("ping", toBinary(PingSchema, create(PingSchema, { sequence: 1n })), 5_000);
  }

  close(): void {
    this.#closed = true;
    // A spare belongs to no zone: it goes with the daemon (a zone's agent outlives it).
    for (const spare of [this.#spare, ...this.#reserved.values()]) {
      if (spare) new Deno.Command("kill", { args: ["-KILL", String(spare.pid)] }).outputSync();
    }
    if (this.#spare) Deno.removeSync(this.#dir(this.#spare.zoneId), { recursive: true });
    this.#spare = undefined;
    this.#reserved.clear();
    this.endpoint.close();
  }

  #guest(zoneId: string): GuestFile | undefined {
    try {
      return JSON.parse(Deno.readTextFileSync(join(this.#dir(zoneId), "guest.json")));
    } catch {
      return undefined;
    }
  }

  /**
   * The unshare processes of this daemon's zones (their agents talk to its endpoint), or of
   * one zone: from ps(1), since a process may have been started without being recorded.
   */
  async #processes(zoneId?: string): Promise<{ pid: number; zoneId: string }[]> {
    const out = await new Deno.Command("ps", { args: ["-eo", "pid=,args="], stderr: "null" })
      .output();
    const found = [];
    for (const line of new TextDecoder().decode(out.stdout).split("\n")) {
      const [pid, command, ...args] = line.trim().split(/\s+/);
      if (!command?.endsWith("unshare")) continue;
      const socket = args[args.indexOf("--idm-socket") + 1];
      const zone = args[args.indexOf("--zone-id") + 1];
      if (socket !== this.options.endpointPath || !zone) continue;
      if (zoneId === undefined || zone === zoneId) found.push({ pid: Number(pid), zoneId: zone });
    }
    return found;
  }

  /** Kills every process of the zone; unshare --kill-child takes each agent's tree along. */
  async #kill(zoneId: string): Promise<void> {
    const pids = (await this.#processes(zoneId)).map((p) => String(p.pid));
    if (pids.length === 0) return;
    // kill(1), not Deno.kill: Deno.kill needs an unscoped run grant.
    const out = await new Deno.Command("kill", { args: ["-KILL", ...pids], stderr: "piped" })
      .output();
    const left = await this.#processes(zoneId);
    if (!out.success && left.length > 0) {
      throw new Error(
        `could not kill zone processes ${left.map((p) => p.pid).join(", ")}: ${
          new TextDecoder().decode(out.stderr).trim()
        }`,
      );
    }
  }

  /**
   * The recorded PID still runs this zone's unshare (PIDs get reused). Asks
   * ps(1): Deno refuses /proc/<pid>/cmdline to anything short of --allow-all.
   */
  #alive(pid: number, zoneId: string): boolean {
    const out = new Deno.Command("ps", { args: ["-o", "args=", "-p", String(pid)], stderr: "null" })
      .outputSync();
    const args = new TextDecoder().decode(out.stdout);
    return out.success && args.includes("unshare") && args.includes(zoneId);
  }
}
