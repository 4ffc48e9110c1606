import { CliError, EXIT } from "../cli/exit_codes.ts";
import { requireSocket } from "../cli/client.ts";
import type { CommandSpec } from "../cli/framework/mod.ts";
import { globals } from "../cli/context.ts";

export const DEFAULT_METRICS_SOCKET = "/run/protect/orchestrator.sock";

/** GET /metrics from protect-orchestrator's socket: Prometheus text, or ?format=json. */
async function readMetrics(socket: string, json: boolean): Promise<string> {
  requireSocket(
    socket,
    "protect-orchestrator",
    "is it running? systemctl start protect-orchestrator; --from points elsewhere",
  );
  const client = Deno.createHttpClient({ proxy: { transport: "unix", path: socket } });
  try {
    const response = await fetch(`http://protect.local/metrics${json ? "?format=json" : ""}`, {
      client,
      signal: AbortSignal.timeout(30_000),
    });
    const body = await response.text();
    if (!response.ok) {
      throw new CliError(`protect-orchestrator answered ${response.status}: ${body.trim()}`);
    }
    return body;
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError(`reading ${socket}: ${(e as Error).message}`, EXIT.unreachable);
  } finally {
    client.close();
  }
}

export const hostMetricsCommand: CommandSpec = {
  name: "metrics",
  summary:
    "the metrics tree protect-orchestrator serves (Prometheus text; -o json for the same as JSON)",
  options: [{
    long: "from",
    value: "socket",
    description: `protect-orchestrator's socket (default ${DEFAULT_METRICS_SOCKET}, under --root)`,
  }],
  async run({ options }) {
    const { output } = globals(options);
    if (output !== "table" && output !== "json") {
      throw new CliError(`-o ${output}: host metrics prints Prometheus text or json`, EXIT.usage);
    }
    const root = (options.root as string | undefined)?.replace(/\/+$/, "") ?? "";
    const socket = (options.from as string | undefined) ?? root + DEFAULT_METRICS_SOCKET;
    const body = await readMetrics(socket, output === "json");
    Deno.stdout.writeSync(
      new TextEncoder().encode(
        output === "json" ? JSON.stringify(JSON.parse(body), null, 2) + "\n" : body,
      ),
    );
  },
};
