import type { WorkloadStats } from "../../proto/gen/protect/idm/v1/idm_pb.ts";
import {
  CGROUP_ROOT,
  runForOutput,
  type ToolRunner,
  workloadCgroupPath,
} from "./workload_cgroup.ts";

/** The writable layer is walked at most this far (a workload may make millions of files). */
const MAX_LAYER_ENTRIES = 100_000;

/** A `key value` line of a cgroup stat file as a number (0 when absent). */
export function statValue(text: string, key: string): bigint {
  const m = new RegExp(`^${key} (\\d+)$`, "m").exec(text);
  return m ? BigInt(m[1]) : 0n;
}

/** CPU and memory from the workload's cgroup: v2 (zones) or v1 (hybrid hosts, runc). */
async function cgroupStats(id: string, read: ToolRunner, root: string) {
  const leaf = workloadCgroupPath(id);
  const cat = (path: string) => read("cat", [path]).then((t) => t ?? "");
  const v2 = `${root}${leaf}`;
  const [cpuStat, current, memStat] = await Promise.all([
    cat(`${v2}/cpu.stat`),
    cat(`${v2}/memory.current`),
    cat(`${v2}/memory.stat`),
  ]);
  if (cpuStat !== "") {
    const usage = BigInt(current.trim() || "0");
    const inactive = statValue(memStat, "inactive_file");
    return {
      cpuUsageNs: statValue(cpuStat, "usage_usec") * 1000n,
      memoryUsageBytes: usage,
      memoryWorkingSetBytes: usage > inactive ? usage - inactive : 0n,
    };
  }
  const [cpuacct, usageText, v1Stat] = await Promise.all([
    cat(`${root}/cpuacct${leaf}/cpuacct.usage`),
    cat(`${root}/memory${leaf}/memory.usage_in_bytes`),
    cat(`${root}/memory${leaf}/memory.stat`),
  ]);
  const usage = BigInt(usageText.trim() || "0");
  const inactive = statValue(v1Stat, "total_inactive_file");
  return {
    cpuUsageNs: BigInt(cpuacct.trim() || "0"),
    memoryUsageBytes: usage,
    memoryWorkingSetBytes: usage > inactive ? usage - inactive : 0n,
  };
}

/** Bytes and inodes under `dir` (not following links), counted up to MAX_LAYER_ENTRIES. */
export function layerUsage(dir: string): { bytes: bigint; inodes: bigint } {
  let bytes = 0n;
  let inodes = 0n;
  const stack = [dir];
  while (stack.length && inodes < MAX_LAYER_ENTRIES) {
    const at = stack.pop()!;
    let entries: Deno.DirEntry[];
    try {
      entries = [...Deno.readDirSync(at)];
    } catch {
      continue; // gone meanwhile
    }
    for (const e of entries) {
      inodes++;
      const path = `${at}/${e.name}`;
      if (e.isDirectory) stack.push(path);
      else if (e.isFile) {
        try {
          bytes += BigInt(Deno.lstatSync(path).size);
        } catch { /* gone meanwhile */ }
      }
    }
  }
  return { bytes, inodes };
}

/** One running workload's resource use. */
export async function workloadStats(
  id: string,
  upperDir: string,
  read: ToolRunner = runForOutput,
  root = CGROUP_ROOT,
): Promise<Omit<WorkloadStats, "$typeName" | "$unknown">> {
  const layer = layerUsage(upperDir);
  return {
    workloadId: id,
    ...(await cgroupStats(id, read, root)),
    writableLayerBytes: layer.bytes,
    writableLayerInodes: layer.inodes,
  };
}
