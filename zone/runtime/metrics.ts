import type { ZoneMetricsReport } from "../../proto/gen/protect/idm/v1/idm_pb.ts";

/** Reads text through a tool: Deno refuses /proc to anything short of --allow-all. */
async function output(cmd: string, args: string[]): Promise<string> {
  const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "null" }).output();
  if (!out.success) throw new Error(`${cmd} ${args.join(" ")} failed`);
  return new TextDecoder().decode(out.stdout);
}

interface CpuSample {
  busy: number;
  total: number;
}

/** `cpu user nice system idle iowait irq softirq steal` → busy and total jiffies. */
export function parseCpu(stat: string): CpuSample {
  const line = stat.split("\n").find((l) => l.startsWith("cpu "));
  const fields = (line ?? "").trim().split(/\s+/).slice(1).map(Number);
  const total = fields.slice(0, 8).reduce((a, b) => a + (b || 0), 0);
  const idle = (fields[3] || 0) + (fields[4] || 0);
  return { busy: total - idle, total };
}

/** `MemTotal:  123 kB` lines → bytes. */
export function parseMeminfo(text: string, key: string): bigint {
  const m = new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(text);
  return m ? BigInt(m[1]) * 1024n : 0n;
}

/**
 * What the zone reports about itself: memory from /proc/meminfo (under the
 * process driver that is the host's: zones have no memory limit of their
 * own yet), processes in the zone's PID namespace, CPU busy share.
 */
export class MetricsSampler {
  #last?: CpuSample;

  async sample(): Promise<Omit<ZoneMetricsReport, "$typeName" | "$unknown">> {
    const [meminfo, stat, ps] = await Promise.all([
      output("cat", ["/proc/meminfo"]),
      output("cat", ["/proc/stat"]),
      output("ps", ["-e", "-o", "pid="]),
    ]);
    const cpu = parseCpu(stat);
    const busy = this.#last && cpu.total > this.#last.total
      ? (cpu.busy - this.#last.busy) / (cpu.total - this.#last.total) * 100
      : 0;
    this.#last = cpu;
    return {
      memoryTotalBytes: parseMeminfo(meminfo, "MemTotal"),
      memoryAvailableBytes: parseMeminfo(meminfo, "MemAvailable"),
      processCount: ps.split("\n").filter((l) => l.trim()).length,
      cpuBusyPercent: Math.round(busy * 10) / 10,
    };
  }
}
