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
import { bootstrapZone } from "../zone_bootstrap.ts";
import { followFile } from "../follow_file.ts";

export interface ProcessDriverOptions {
  /** One directory per zone: guest.json, agent.log. */
  zonesDir: string;
  /** The IDM socket every agent connects to. */
  endpointPath: string;
  denoPath: string;
  agentEntry: string;
  bootTimeoutMs: number;
  log: Logger;
}

interface GuestFile {
  pid: number;
  name: string;
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

  constructor(private readonly options: ProcessDriverOptions) {
    Deno.mkdirSync(options.zonesDir, { recursive: true, mode: 0o700 });
    this.endpoint = new ZoneEndpoint(options.endpointPath, options.log);
  }

  version(): Promise<string> {
    return Promise.resolve("process sandbox (no hypervisor)");
  }

  #dir(zoneId: string): string {
    return join(this.options.zonesDir, zoneId);
  }

  createGuest(launch: ZoneLaunch, _signal: AbortSignal): Promise<CreatedGuest> {
    const dir = this.#dir(launch.zoneId);
    Deno.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const token = Array.from(
      crypto.getRandomValues(new Uint8Array(24)),
      (b) => b.toString(16).padStart(2, "0"),
    )
      .join("");
    this.endpoint.expect(launch.zoneId, token);
    const command = {
      denoPath: this.options.denoPath,
      agentEntry: this.options.agentEntry,
      socket: this.options.endpointPath,
      logFile: join(dir, "agent.log"),
      zoneId: launch.zoneId,
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
    const guest: GuestFile = { pid: child.pid, name: launch.name, token };
    Deno.writeTextFileSync(join(dir, "guest.json"), JSON.stringify(guest), { mode: 0o600 });
    return Promise.resolve({ domainId: child.pid, backend: HypervisorBackend.UNSPECIFIED });
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

  /** The zone's network namespace is unshare's: protect-network puts the veth's far end there. */
  networkLink(zoneId: string): Promise<GuestLink | undefined> {
    const guest = this.#guest(zoneId);
    return Promise.resolve(guest ? { netnsPid: guest.pid } : undefined);
  }

  async destroyGuest(zoneId: string): Promise<void> {
    const guest = this.#guest(zoneId);
    if (guest && this.#alive(guest.pid, zoneId)) {
      // kill(1), not Deno.kill: Deno.kill needs an unscoped run grant.
      // unshare --kill-child takes the agent and everything under it along.
      const out = await new Deno.Command("kill", {
        args: ["-KILL", String(guest.pid)],
        stderr: "piped",
      }).output();
      if (!out.success && this.#alive(guest.pid, zoneId)) {
        throw new Error(
          `could not kill zone process ${guest.pid}: ${
            new TextDecoder().decode(out.stderr).trim()
          }`,
        );
      }
    }
    this.endpoint.forget(zoneId);
    try {
      Deno.removeSync(this.#dir(zoneId), { recursive: true });
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
  }

  listGuests(): Promise<GuestInfo[]> {
    const guests: GuestInfo[] = [];
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
    return Promise.resolve(guests);
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
