/** How the process driver starts a zone: namespaces from unshare(1), then the agent under Deno. */
export interface AgentCommand {
  denoPath: string;
  agentEntry: string;
  socket: string;
  logFile: string;
  zoneId: string;
  /** Proves the agent's identity on the shared socket. */
  token: string;
  /** Where the agent mounts its private tmpfs for workloads. */
  workDir: string;
}

/**
 * `unshare` args: own PID, mount, UTS, IPC and network namespaces (only
 * loopback until protect-network adds the zone's link), /proc remounted, and
 * the agent killed with unshare. The agent gets only what it uses: its
 * socket, its log file and work dir, /dev/urandom, its token variable, and
 * hostname(1), ip(8), mount(8), umount(8), runc(8), script(1) and stty(1)
 * (exec with a tty, and its resizes), and cat(1)/ps(1) for metrics and
 * terminals (Deno refuses /proc reads short of --allow-all) and a finished
 * workload's OOM count, and rmdir(1) for its cgroups.
 */
export function agentArgs(c: AgentCommand): string[] {
  return [
    "--fork",
    "--kill-child",
    "--pid",
    "--mount",
    "--uts",
    "--ipc",
    "--net",
    "--mount-proc",
    "--",
    c.denoPath,
    "run",
    "--no-prompt",
    `--allow-net=unix:${c.socket}`,
    `--allow-read=${c.socket},${c.workDir}`,
    `--allow-write=${c.socket},${c.logFile},/dev/urandom,${c.workDir}`,
    `--allow-env=PROTECT_ZONE_TOKEN`,
    "--allow-run=hostname,ip,mount,umount,runc,script,stty,cat,ps,rmdir,sysctl",
    c.agentEntry,
    "--idm-socket",
    c.socket,
    "--zone-id",
    c.zoneId,
    "--log-file",
    c.logFile,
    "--work-dir",
    c.workDir,
  ];
}

/** The agent reads its token from the environment, not argv (argv shows in ps). */
export function agentEnv(c: AgentCommand): Record<string, string> {
  return {
    PROTECT_ZONE_TOKEN: c.token,
    PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
  };
}
