import type { ReadHostMetricsResponse } from "../../proto/mod.ts";
import { daemonFor } from "../cli/context.ts";
import { type CommandSpec, UsageError } from "../cli/framework/mod.ts";
import { render } from "../cli/output.ts";
import { TOP_SORTS, topRows, topScreen, type TopSort } from "../cli/zone_top_view.ts";

const encoder = new TextEncoder();
const write = (text: string) => Deno.stdout.writeSync(encoder.encode(text));

// The alternate screen keeps the operator's scrollback; the cursor is hidden while drawing.
const ENTER = "\x1b[?1049h\x1b[?25l";
const LEAVE = "\x1b[?25h\x1b[?1049l";
const HOME_CLEAR = "\x1b[H\x1b[2J";

/** Keys: q (or Ctrl-C) quits; c, m, n sort. */
const SORT_KEYS: Record<string, TopSort> = { c: "cpu", m: "mem", n: "name" };

export const zoneTopCommand: CommandSpec = {
  name: "top",
  summary: "a live view of zones: state, vCPUs, CPU %, memory from Xen and from inside (q quits)",
  options: [
    {
      long: "sort",
      value: "key",
      choices: TOP_SORTS,
      default: "cpu",
      description: "first order (keys c, m, n change it)",
    },
    {
      long: "interval",
      value: "seconds",
      default: 2,
      description: "refresh period, 0.5 to 60",
      parse: (text, flag) => {
        const v = Number(text);
        if (!(v >= 0.5 && v <= 60)) {
          throw new UsageError(`${flag} "${text}" is not a number of seconds from 0.5 to 60`, "");
        }
        return v;
      },
    },
  ],
  async run({ options }) {
    const { client, output } = daemonFor(options);
    const read = () => client.readHostMetrics({ includeInZone: true });
    if (output !== "table") {
      // One snapshot: the rows as figures (CPU % only where the agent gave one).
      console.log(await render(output, topRows(await read()), (r) => r, []));
      return;
    }
    let sort = options.sort as TopSort;
    const intervalMs = Number(options.interval) * 1000;
    const raw = Deno.stdin.isTerminal();
    const stop = new AbortController();
    let wake = () => {};
    if (raw) Deno.stdin.setRaw(true);
    write(ENTER);
    // Keys arrive while the view waits for its next refresh.
    const keys = (async () => {
      const buffer = new Uint8Array(16);
      while (!stop.signal.aborted) {
        const n = await Deno.stdin.read(buffer);
        if (n === null) break;
        for (const key of new TextDecoder().decode(buffer.subarray(0, n))) {
          if (key === "q" || key === "\x03") stop.abort();
          else if (SORT_KEYS[key]) sort = SORT_KEYS[key];
        }
        wake();
      }
    })();
    try {
      let before: ReadHostMetricsResponse | undefined;
      while (!stop.signal.aborted) {
        const now = await read();
        write(HOME_CLEAR + topScreen(now, topRows(now, before), sort).replaceAll("\n", "\r\n"));
        before = now;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, intervalMs);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    } finally {
      stop.abort();
      write(LEAVE);
      if (raw) Deno.stdin.setRaw(false);
    }
    // stdin's pending read keeps the process alive otherwise.
    void keys;
    Deno.exit(0);
  },
};
