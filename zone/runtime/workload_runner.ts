import type {
  BootstrapShare,
  DeviceAttached,
  DeviceDetached,
  ExecStart,
  FilesHeader,
  WorkloadInput,
  WorkloadResourcesUpdate,
  WorkloadStart,
} from "../../proto/gen/protect/idm/v1/idm_pb.ts";
import { receiveCopies } from "./file_copies.ts";
import { type CommandLine, resizeTerminal, underTerminal } from "./exec.ts";
import type { Logger } from "../../lib/log/mod.ts";
import { exists, waitForPath } from "../../lib/fs/mod.ts";
import { ociConfig } from "./oci_config.ts";
import { type CommandProblem, commandProblem } from "./find_command.ts";
import { run } from "./run_tool.ts";
import { VolumeMounts } from "./volume_mounts.ts";
import { ZoneShares } from "./zone_shares.ts";
import { removeWorkloadCgroups, wasOomKilled } from "./workload_cgroup.ts";
import { workloadStats } from "./workload_stats.ts";

const encoder = new TextEncoder();

/** What the runner reports back (the agent turns these into IDM events). */
export interface RunnerEvents {
  output(workloadId: string, stream: "stdout" | "stderr", data: Uint8Array): void;
  /** `reason`: "OOMKilled" when the kernel's OOM killer ended it, else "". */
  exit(workloadId: string, code: number, error?: string, reason?: string): void;
}

const ID = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$/;

/** An image's account files larger than this are refused (they are the image's, untrusted). */
const MAX_ACCOUNT_FILE = 4 * 1024 * 1024;

/** The image's /etc/passwd and /etc/group, "" where it has none. */
function imageAccounts(root: string): { passwd: string; group: string } {
  const read = (path: string) => {
    try {
      // lstat: a symlink in the image must not point the agent at the zone's own files.
      const info = Deno.lstatSync(`${root}${path}`);
      if (!info.isFile) return "";
      if (info.size > MAX_ACCOUNT_FILE) throw new Error(`the image's ${path} is over 4 MiB`);
      return Deno.readTextFileSync(`${root}${path}`);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return "";
      throw e;
    }
  };
  return { passwd: read("/etc/passwd"), group: read("/etc/group") };
}

/** The CFS period cpu.max quotas are counted in (as oci_config.ts sets it). */
const CPU_PERIOD_US = 100_000;

/** How long `run` may take to record a new container (under TCG, seconds). */
const CREATE_WAIT_MS = 30_000;

/** How long a hot-plugged image disk may take to appear in the zone. */
const DISK_WAIT_MS = 30_000;

/** The file system an image arrives packed as ("" from a daemon that predates erofs). */
export function imageFsType(format: string): "squashfs" | "erofs" {
  if (format === "" || format === "squashfs") return "squashfs";
  if (format === "erofs") return "erofs";
  throw new Error(`image_format "${format.slice(0, 32)}" is neither squashfs nor erofs`);
}

/**
 * Mounts the image read-only: a file through a loop device (process driver),
 * or a block device the host hot-plugged (Xen), once it has appeared.
 */
async function mountImage(
  path: string,
  type: "squashfs" | "erofs",
  target: string,
  devicePresent: (path: string) => boolean,
): Promise<void> {
  if (!path.startsWith("/dev/")) {
    return await run("mount", ["-t", type, "-o", "loop,ro", path, target]);
  }
  await waitForPath(path, "image disk", DISK_WAIT_MS, 100, devicePresent);
  await run("mount", ["-t", type, "-o", "ro", path, target]);
}

/**
 * Runs workloads with runc or crun: the image file is mounted read-only (squashfs or
 * erofs, on a loop device or a hot-plugged disk) as the lower layer of an overlay whose writable upper layer
 * lives on a tmpfs, then `runc run` starts the process as PID 1 of its own
 * namespaces. Output streams back as it comes; the exit code is reported.
 */
export class WorkloadRunner {
  #running = new Map<string, Deno.ChildProcess>();
  /** Attachable workloads (tty or open stdin): their stdin, and script(1)'s PID for resizes. */
  #input = new Map<
    string,
    { stdin: WritableStreamDefaultWriter<Uint8Array>; tty: boolean; pid: number }
  >();
  /** Each running workload's environment and working directory, for exec's command lookup. */
  #process = new Map<string, { env: string[]; cwd: string }>();
  readonly #volumes: VolumeMounts;
  readonly #shares: ZoneShares;
  /** The runtime each workload runs under (a tty workload may differ, see start). */
  #runtimes = new Map<string, "runc" | "crun">();

  constructor(
    /** Private to the zone: a tmpfs the agent mounts at start. */
    private readonly workDir: string,
    private readonly hostname: () => string,
    private readonly events: RunnerEvents,
    private readonly log: Logger,
    /** runc on hybrid-cgroup hosts (process driver); crun in Xen zones (pure cgroup2). */
    readonly runtime: "runc" | "crun" = "runc",
    /** How to look for a hot-plugged disk (in a Xen zone: libc, as Deno stats /dev only under --allow-all). */
    private readonly devicePresent: (path: string) => boolean = exists,
  ) {
    this.#volumes = new VolumeMounts(`${workDir}/volumes`, devicePresent);
    this.#shares = new ZoneShares(`${workDir}/shares`);
  }

  /** Mounts the host directories shared with the zone (at bootstrap). */
  mountShares(shares: BootstrapShare[]): Promise<void> {
    return this.#shares.mount(shares);
  }

  /**
   * A host device was given to the zone: a block device once its node is there; a PCI
   * function: the zone's PCI addresses as they are now (for the host's log).
   */
  async deviceAttached(device: DeviceAttached): Promise<string[]> {
    if (device.kind === "block") {
      if (!/^\/dev\/[a-z][a-z0-9]{0,15}$/.test(device.guestPath)) {
        throw new Error(`"${device.guestPath.slice(0, 32)}" is not a device node of this zone`);
      }
      await waitForPath(
        device.guestPath,
        `device ${device.name.slice(0, 64)}`,
        DISK_WAIT_MS,
        100,
        this.devicePresent,
      );
      return [];
    }
    if (device.kind !== "pci") {
      throw new Error(`"${device.kind.slice(0, 16)}" is not a device kind`);
    }
    // Deno reads /sys only under --allow-all; ls may run (the agent's run grant).
    const out = await new Deno.Command("ls", { args: ["/sys/bus/pci/devices"], stderr: "null" })
      .output();
    return new TextDecoder().decode(out.stdout).split("\n").filter(Boolean).slice(0, 256);
  }

  /** A host device is about to be taken back: no workload may still mount it. */
  deviceDetached(device: DeviceDetached): void {
    if (device.guestPath) this.#volumes.checkUnused(device.guestPath);
  }

  #dirs(id: string) {
    const base = `${this.workDir}/workloads/${id}`;
    return {
      base,
      lower: `${base}/lower`,
      upper: `${base}/upper`,
      work: `${base}/work`,
      bundle: `${base}/bundle`,
      rootfs: `${base}/bundle/rootfs`,
      copies: `${base}/copies`,
      state: `${this.workDir}/runc`,
    };
  }

  /** The zone's resolv.conf, once bootstrap has written one. */
  #resolvConf(): string | undefined {
    const path = `${this.workDir}/resolv.conf`;
    return exists(path) ? path : undefined;
  }

  /** Prepares the root filesystem and starts the process; resolves once it runs. */
  async start(spec: WorkloadStart): Promise<void> {
    if (!ID.test(spec.workloadId)) throw new Error("workload_id is not a valid ID");
    if (this.#running.has(spec.workloadId)) {
      throw new Error(`workload ${spec.workloadId} is already running`);
    }
    const fsType = imageFsType(spec.imageFormat);
    const d = this.#dirs(spec.workloadId);
    for (const dir of [d.lower, d.upper, d.work, d.rootfs, d.state]) {
      Deno.mkdirSync(dir, { recursive: true });
    }
    await mountImage(spec.imagePath, fsType, d.lower, this.devicePresent);
    try {
      await this.#volumes.acquire(spec.workloadId, spec.volumes);
      await run("mount", [
        "-t",
        "overlay",
        "overlay",
        "-o",
        `lowerdir=${d.lower},upperdir=${d.upper},workdir=${d.work}`,
        d.rootfs,
      ]);
      const config = ociConfig(spec, d.rootfs, this.hostname(), {
        resolvConf: this.#resolvConf(),
        accounts: imageAccounts(d.lower),
        copies: d.copies,
        volumes: this.#volumes.dir,
        shareSources: spec.shareBinds.map((b) => this.#shares.source(b)),
      });
      for (const b of spec.binds) {
        if (!exists(`${d.copies}/${b.mount}`)) {
          throw new Error(`host mount ${b.mount} (${b.destination}) was not copied in`);
        }
      }
      const { env, cwd } = config.process as { env: string[]; cwd: string };
      const problem = commandProblem(d.rootfs, spec.args, env, cwd);
      if (problem) {
        // As Docker: 127 or 126 and a plain message, not the runtime's text.
        await this.#cleanup(spec.workloadId);
        this.events.output(
          spec.workloadId,
          "stderr",
          encoder.encode(`protect: ${problem.message}\n`),
        );
        this.events.exit(spec.workloadId, problem.code, problem.message);
        return;
      }
      Deno.writeTextFileSync(`${d.bundle}/config.json`, JSON.stringify(config));
      this.#process.set(spec.workloadId, { env, cwd });
    } catch (e) {
      await this.#cleanup(spec.workloadId);
      throw e;
    }
    // Debian's crun 1.8.1 gives a foreground container's terminal no size and does not follow
    // SIGWINCH (crun 1.9 does: containers/crun#1262); runc does both, so a tty workload runs
    // under runc.
    const runtime = spec.tty ? "runc" : this.runtime;
    this.#runtimes.set(spec.workloadId, runtime);
    // runc keeps the stopped container (and its v1 cgroup) for the OOM check; crun has no
    // --keep and needs none (cgroup v2 counts kills in the parent).
    const keep = runtime === "runc" ? ["--keep"] : [];
    const runtimeRun: CommandLine = [
      runtime,
      ["--root", d.state, "run", ...keep, "--bundle", d.bundle, spec.workloadId],
    ];
    // A tty workload runs under script(1), which gives foreground `runc run` the terminal
    // it relays the container's own to (as `exec -t` does); the size comes with the attach.
    const [command, args] = spec.tty
      ? underTerminal(runtimeRun, { rows: spec.rows, columns: spec.columns })
      : runtimeRun;
    const child = new Deno.Command(command, {
      args,
      stdin: spec.tty || spec.openStdin ? "piped" : "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#running.set(spec.workloadId, child);
    if (spec.tty || spec.openStdin) {
      this.#input.set(spec.workloadId, {
        stdin: child.stdin.getWriter(),
        tty: spec.tty,
        pid: child.pid,
      });
    }
    const pump = async (stream: ReadableStream<Uint8Array>, name: "stdout" | "stderr") => {
      for await (const chunk of stream) this.events.output(spec.workloadId, name, chunk);
    };
    (async () => {
      await Promise.all([pump(child.stdout, "stdout"), pump(child.stderr, "stderr")]);
      const status = await child.status;
      this.#running.delete(spec.workloadId);
      this.#process.delete(spec.workloadId);
      this.#input.get(spec.workloadId)?.stdin.close().catch(() => {});
      this.#input.delete(spec.workloadId);
      const oomKilled = await wasOomKilled(spec.workloadId);
      await this.#cleanup(spec.workloadId);
      // A signal death reads as 128+n, as in a shell.
      const code = status.signal ? 128 + (SIGNALS[status.signal] ?? 0) : status.code;
      this.log.info("workload exited", { workload: spec.workloadId, code, oomKilled });
      this.events.exit(spec.workloadId, code, undefined, oomKilled ? "OOMKilled" : "");
    })().catch((error) => {
      this.log.error("workload supervision failed", { workload: spec.workloadId, error });
      this.events.exit(spec.workloadId, -1, String(error));
    });
    await this.#created(spec.workloadId, d.state, child.status);
  }

  /**
   * Resolves once the runtime has recorded the container (so `exec` and `kill` find it) or
   * its process has ended, whichever is first: RUNNING means exec works (it raced before).
   */
  async #created(id: string, state: string, ended: Promise<unknown>): Promise<void> {
    let done = false;
    ended.finally(() => done = true);
    const deadline = Date.now() + CREATE_WAIT_MS;
    // runc writes state.json, crun a status file, once the container is created.
    while (!done && !exists(`${state}/${id}/state.json`) && !exists(`${state}/${id}/status`)) {
      if (Date.now() > deadline) {
        return this.log.warn("the runtime did not record the container in time", { workload: id });
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  /** runc's state directory for a running workload (exec joins it there). */
  /** What an attached client typed, or its new terminal size (`workload.input`). */
  async input(m: WorkloadInput): Promise<void> {
    const target = this.#input.get(m.workloadId);
    if (!target) throw new Error(`workload ${m.workloadId} takes no input (no tty, no open stdin)`);
    if (target.tty && (m.rows || m.columns)) await resizeTerminal(target.pid, m.rows, m.columns);
    if (m.stdin.length) await target.stdin.write(m.stdin);
    if (m.stdinClosed) {
      await target.stdin.close().catch(() => {});
      this.#input.delete(m.workloadId);
    }
  }

  /** Writes the host's copies for a workload that is about to start (`workload.files`). */
  async receiveCopies(header: FilesHeader, entries: AsyncIterable<Uint8Array>): Promise<void> {
    if (!ID.test(header.workloadId)) throw new Error("workload_id is not a valid ID");
    if (this.#running.has(header.workloadId)) {
      throw new Error(`workload ${header.workloadId} is already running`);
    }
    const { copies } = this.#dirs(header.workloadId);
    const remove = () => {
      try {
        Deno.removeSync(copies, { recursive: true });
      } catch { /* not there */ }
    };
    remove(); // a copy left by a start that never came
    try {
      await receiveCopies(header, entries, copies);
    } catch (e) {
      remove();
      throw e;
    }
  }

  /** Why an exec's command cannot run in the workload (127, 126), or undefined. */
  execProblem(start: ExecStart): CommandProblem | undefined {
    const process = this.#process.get(start.workloadId);
    if (!process) return undefined;
    const env = [...process.env, ...start.env]; // later PATH= wins, as in the exec
    const path = env.findLast((e) => e.startsWith("PATH="));
    return commandProblem(
      this.#dirs(start.workloadId).rootfs,
      start.args,
      path ? [path] : [],
      start.workingDirectory || process.cwd,
    );
  }

  /** New cgroup limits for a running workload (0: unlimited; shares 0: unchanged). */
  async updateResources(u: WorkloadResourcesUpdate): Promise<void> {
    if (!this.#running.has(u.workloadId)) {
      throw new Error(`workload ${u.workloadId} is not running`);
    }
    const unlimited = (n: number | bigint) => Number(n) > 0 ? String(n) : "-1";
    await run(this.runtimeOf(u.workloadId), [
      "--root",
      this.#dirs(u.workloadId).state,
      "update",
      "--memory",
      unlimited(u.memoryLimitBytes),
      "--cpu-period",
      String(CPU_PERIOD_US),
      "--cpu-quota",
      u.cpuMillis > 0 ? String(u.cpuMillis * CPU_PERIOD_US / 1000) : "-1",
      "--pids-limit",
      unlimited(u.pidsLimit),
      ...(u.cpuShares > 0n ? ["--cpu-share", String(u.cpuShares)] : []),
      u.workloadId,
    ]);
  }

  /** Resource use of the running workloads among `ids` (every running one when empty). */
  stats(ids: string[]) {
    const wanted = ids.length
      ? ids.filter((id) => this.#running.has(id))
      : [...this.#running.keys()];
    return Promise.all(wanted.map((id) => workloadStats(id, this.#dirs(id).upper)));
  }

  /** The OCI runtime a workload runs under (exec must use the same). */
  runtimeOf(workloadId: string): string {
    return this.#runtimes.get(workloadId) ?? this.runtime;
  }

  stateDir(workloadId: string): string {
    if (!this.#running.has(workloadId)) throw new Error(`workload ${workloadId} is not running`);
    return this.#dirs(workloadId).state;
  }

  /** SIGTERM, then SIGKILL once the grace period is over. */
  async stop(workloadId: string, graceSeconds: number): Promise<void> {
    const child = this.#running.get(workloadId);
    if (!child) return;
    const state = this.#dirs(workloadId).state;
    const runtime = this.runtimeOf(workloadId);
    await run(runtime, ["--root", state, "kill", workloadId, "TERM"]).catch(() => {});
    const done = child.status.then(() => true);
    const timedOut = new Promise<boolean>((r) => setTimeout(() => r(false), graceSeconds * 1000));
    if (!(await Promise.race([done, timedOut]))) {
      await run(runtime, ["--root", state, "kill", workloadId, "KILL"]).catch(() => {});
    }
  }

  async #cleanup(id: string): Promise<void> {
    const d = this.#dirs(id);
    // crun's `run` removes the container when its process exits (only a runtime that died
    // itself leaves state behind); runc's `run --keep` leaves it for us.
    if (exists(`${d.state}/${id}`)) {
      await run(this.runtimeOf(id), ["--root", d.state, "delete", "--force", id]).catch(() => {});
    }
    this.#runtimes.delete(id);
    await removeWorkloadCgroups(id);
    await run("umount", [d.rootfs]).catch(() => {});
    await run("umount", ["-d", d.lower]).catch(() => {});
    await this.#volumes.release(id).catch((error) =>
      this.log.error("unmounting a volume failed", { workload: id, error })
    );
    try {
      Deno.removeSync(d.base, { recursive: true });
    } catch { /* best effort */ }
  }
}

const SIGNALS: Record<string, number> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGKILL: 9,
  SIGTERM: 15,
  SIGSEGV: 11,
  SIGABRT: 6,
  SIGPIPE: 13,
};
