/**
 * Where a workload's cgroup lives, and whether the kernel's OOM killer struck in it.
 * The runtime makes `/protect/<id>/ctr` (the OCI `cgroupsPath`) and removes the leaf
 * when the container goes; the parent is ours, so its counters outlive the container.
 * Read with cat(1) and removed with rmdir(1): Deno opens /sys only under --allow-all.
 */
export const CGROUP_ROOT = "/sys/fs/cgroup";

/** The OCI cgroupsPath of a workload: a leaf under a parent the agent removes. */
export const workloadCgroupPath = (workloadId: string) => `/protect/${workloadId}/ctr`;

/** cgroup v1 hierarchies a runtime may have made the workload's directories in. */
const V1_CONTROLLERS = [
  "blkio",
  "cpu",
  "cpuacct",
  "cpu,cpuacct",
  "cpuset",
  "devices",
  "freezer",
  "hugetlb",
  "memory",
  "misc",
  "net_cls",
  "net_prio",
  "net_cls,net_prio",
  "perf_event",
  "pids",
  "rdma",
  "systemd",
];

/** Runs a tool; resolves with its stdout, or undefined when it failed. */
export type ToolRunner = (tool: string, args: string[]) => Promise<string | undefined>;

export const runForOutput: ToolRunner = async (tool, args) => {
  const out = await new Deno.Command(tool, { args, stdout: "piped", stderr: "null" }).output();
  return out.success ? new TextDecoder().decode(out.stdout) : undefined;
};

/** The `oom_kill` count in a memory.events / memory.oom_control text (0 when absent). */
export function oomKills(text: string): number {
  return Number(/^oom_kill (\d+)$/m.exec(text)?.[1] ?? 0);
}

/**
 * True when the OOM killer killed a process of the workload. cgroup v2: the parent's
 * memory.events counts its children's kills (hierarchically), after the leaf is gone.
 * cgroup v1 (hybrid hosts, runc): the leaf's memory.oom_control, which `run --keep`
 * leaves until the delete.
 */
export async function wasOomKilled(
  workloadId: string,
  run: ToolRunner = runForOutput,
  root = CGROUP_ROOT,
): Promise<boolean> {
  const v2 = await run("cat", [`${root}/protect/${workloadId}/memory.events`]);
  const text = v2 ??
    await run("cat", [`${root}/memory${workloadCgroupPath(workloadId)}/memory.oom_control`]);
  return oomKills(text ?? "") > 0;
}

/** Removes what is left of the workload's cgroups (v2: one parent; v1: one per controller). */
export async function removeWorkloadCgroups(
  workloadId: string,
  run: ToolRunner = runForOutput,
  root = CGROUP_ROOT,
): Promise<void> {
  const parents = [root, ...V1_CONTROLLERS.map((c) => `${root}/${c}`)]
    .map((dir) => `${dir}/protect/${workloadId}`);
  // One call; the directories that do not exist make it fail, the others are removed.
  await run("rmdir", parents.flatMap((p) => [`${p}/ctr`, p]));
}
