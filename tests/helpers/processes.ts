/**
 * Starts the real programs as subprocesses under their deno.json permission
 * sets, the way an operator would, for integration tests.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { permissionFlags, readPermissionSet, RUN_FLAGS } from "../../lib/permissions/mod.ts";
import { protectPaths } from "../../lib/paths/mod.ts";

export const REPO = join(fileURLToPath(import.meta.url), "../../..");

/** `deno run` arguments for a program under its permission set, rebased under `root`. */
export function denoRunArgs(set: string, entry: string, root: string): string[] {
  return [
    "run",
    ...RUN_FLAGS,
    ...permissionFlags(readPermissionSet(join(REPO, "deno.json"), set), root),
    join(REPO, entry),
  ];
}

export interface ProgramProcess {
  root: string;
  socket: string;
  process: Deno.ChildProcess;
  /** Everything the daemon logged so far. */
  logs(): string;
  stop(signal?: Deno.Signal): Promise<Deno.CommandStatus>;
}

/** The programs tests can start: permission set, entry point, socket. */
const PROGRAMS = {
  daemon: {
    set: "daemon",
    entry: "daemon/main.ts",
    socket: (root: string) => protectPaths(root).daemonSocket,
  },
  "daemon-process": {
    set: "daemon-process",
    entry: "daemon/main.ts",
    socket: (root: string) => protectPaths(root).daemonSocket,
  },
  storage: {
    set: "storage",
    entry: "storage/main.ts",
    socket: (root: string) => protectPaths(root).storageSocket,
  },
  network: {
    set: "network",
    entry: "network/main.ts",
    socket: (root: string) => protectPaths(root).networkSocket,
  },
  cri: {
    set: "cri",
    entry: "cri/main.ts",
    socket: (root: string) => protectPaths(root).criSocket,
  },
  orchestrator: {
    set: "orchestrator",
    entry: "orchestrator/main.ts",
    socket: (root: string) => protectPaths(root).orchestratorSocket,
  },
};

export type DaemonProcess = ProgramProcess;

/** Starts protect-daemon on `root` and waits until its socket answers. */
export function startDaemonProcess(root: string): Promise<ProgramProcess> {
  return startProgramProcess("daemon", root);
}

/** Starts protect-storage on `root` and waits until its socket answers. */
export function startStorageProcess(root: string): Promise<ProgramProcess> {
  return startProgramProcess("storage", root);
}

/** Starts a program under its permission set and waits until its socket answers. */
export async function startProgramProcess(
  name: keyof typeof PROGRAMS,
  root: string,
  /** Runs the program inside this network namespace (`ip netns exec` execs it, so the PID is its own). */
  netns?: string,
): Promise<ProgramProcess> {
  const program = PROGRAMS[name];
  const socket = program.socket(root);
  // What systemd's RuntimeDirectory/StateDirectory/ConfigurationDirectory make.
  const paths = protectPaths(root);
  for (const dir of [paths.runDir, paths.stateDir, paths.configDir]) {
    Deno.mkdirSync(dir, { recursive: true, mode: 0o750 });
  }
  const deno = [Deno.execPath(), ...denoRunArgs(program.set, program.entry, root), "--root", root];
  const argv = netns ? ["ip", "netns", "exec", netns, ...deno] : deno;
  const process = new Deno.Command(argv[0], {
    args: argv.slice(1),
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let output = "";
  const decoder = new TextDecoder();
  const pump = (stream: ReadableStream<Uint8Array>) =>
    stream.pipeTo(
      new WritableStream({ write: (chunk) => void (output += decoder.decode(chunk)) }),
    );
  const pumped = Promise.all([pump(process.stdout), pump(process.stderr)]);
  const status = process.status;
  let exited = false;
  status.then(() => exited = true);
  const deadline = Date.now() + 20_000;
  while (true) {
    if (exited) throw new Error(`${name} exited during start-up:\n${output}`);
    try {
      (await Deno.connect({ transport: "unix", path: socket })).close();
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`${name} did not listen in 20s:\n${output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    root,
    socket,
    process,
    logs: () => output,
    stop: async (signal = "SIGTERM") => {
      if (!exited) process.kill(signal);
      const result = await status;
      await pumped;
      return result;
    },
  };
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the protect CLI against the daemon on `root`. */
export async function runCli(root: string, ...args: string[]): Promise<CliResult> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [...denoRunArgs("cli", "protect/main.ts", root), "--root", root, ...args],
    stdin: "null",
  }).output();
  const decoder = new TextDecoder();
  return {
    code: out.code,
    stdout: decoder.decode(out.stdout),
    stderr: decoder.decode(out.stderr),
  };
}

/** A fresh root directory for one test. */
export function tempRoot(): string {
  return Deno.makeTempDirSync({ prefix: "protect-test-" });
}

/** Writes daemon.toml before the daemon's first start. */
export function writeDaemonConfig(root: string, toml: string): void {
  const path = protectPaths(root).daemonConfig;
  Deno.mkdirSync(join(path, ".."), { recursive: true });
  Deno.writeTextFileSync(path, toml);
}

/** Runs a CLI command with `-o json` and parses its output (fails loudly if it did not succeed). */
export async function cliJson(root: string, ...args: string[]) {
  const r = await runCli(root, ...args, "-o", "json");
  if (r.code !== 0) throw new Error(`protect ${args.join(" ")} exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** A process's resident memory (VmRSS), in MiB. */
export function rssMiB(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(Deno.readTextFileSync(`/proc/${pid}/status`))![1]) / 1024;
}
