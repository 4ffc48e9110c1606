/**
 * IDM throughput over vchan, inside one lab boot (tests/xen/lab/run.sh bench):
 * the same bytes from dom0 into a zone's /dev/null, two ways, interleaved:
 * - protect: `protect zone exec Z -- sh -c 'head -c N >/dev/null; echo …'` with
 *   the file on stdin — CLI → daemon (HTTP/2 over the Unix socket) → IDM stream
 *   over vchan → agent → head; the time is until the exit code is back;
 * - reference: Xen's own `vchan-socket-proxy` (C), server in the zone feeding
 *   the same `head`, client in dom0 reading the file; the time is until the
 *   zone side reports it has every byte.
 * Usage: deno run --no-config -A bench/xen_idm_bench.ts [MiB] [rounds]
 */
import { XenStore } from "../xen/mod.ts";

const MIB = Number(Deno.args[0] ?? 8);
const ROUNDS = Number(Deno.args[1] ?? 3);
const ZONE = "idmbench";
const BLOB = "/tmp/idm-bench.bin";
const decoder = new TextDecoder();

/** Runs a command (stdin from a file, if given); throws with its stderr if it fails. */
async function sh(
  command: string,
  args: string[],
  stdinFile?: string,
  started?: (child: Deno.ChildProcess) => void,
): Promise<string> {
  const child = new Deno.Command(command, {
    args,
    stdin: stdinFile ? "piped" : "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  started?.(child);
  if (stdinFile) (await Deno.open(stdinFile)).readable.pipeTo(child.stdin).catch(() => {});
  const out = await child.output();
  if (!out.success) {
    throw new Error(`${command} ${args.join(" ")}: ${decoder.decode(out.stderr).trim()}`);
  }
  return decoder.decode(out.stdout);
}

const blob = new Uint8Array(MIB * 1024 * 1024);
for (let at = 0; at < blob.length; at += 65536) {
  crypto.getRandomValues(blob.subarray(at, at + 65536));
}
Deno.writeFileSync(BLOB, blob);

await sh("protect", ["zone", "launch", "-n", ZONE, "--wait", "--timeout", "300"]);
const domid = JSON.parse(await sh("protect", ["zone", "get", ZONE, "-o", "json"])).status.domainId;
const xs = new XenStore();

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
  });
  return Promise.race([p, limit]).finally(() => clearTimeout(timer));
}

async function ours(): Promise<number> {
  const started = performance.now();
  await withTimeout(
    sh("protect", [
      "zone",
      "exec",
      ZONE,
      "--",
      "sh",
      "-c",
      `head -c ${MIB * 1024 * 1024} > /dev/null; echo all-received`,
    ], BLOB),
    600_000,
    "protect zone exec",
  );
  return performance.now() - started;
}

/**
 * Neither end of vchan-socket-proxy exits once the data is through, so the
 * zone side reports when it has every byte: `head -c` ends and the shell
 * prints a marker, which comes back over the exec's output.
 */
async function reference(round: number): Promise<number> {
  const path = `/local/domain/${domid}/data/bench${round}`;
  const server = new Deno.Command("protect", {
    args: [
      "zone",
      "exec",
      ZONE,
      "--",
      "sh",
      "-c",
      // A FIFO held open read-write: the proxy's stdin never ends, so it keeps the ring.
      `mkfifo /tmp/in${round}; exec 3<>/tmp/in${round}; ` +
      `vchan-socket-proxy -m server 0 data/bench${round} - <&3 | ` +
      `(head -c ${MIB * 1024 * 1024} > /dev/null; echo all-received)`,
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const deadline = Date.now() + 60_000;
  while (xs.read(`${path}/event-channel`) === undefined) {
    if (Date.now() > deadline) throw new Error("vchan-socket-proxy server never offered its ring");
    await new Promise((r) => setTimeout(r, 100));
  }
  const started = performance.now();
  const client = new Deno.Command("vchan-socket-proxy", {
    args: ["-m", "client", String(domid), path, "-"],
    stdin: "piped",
    stdout: "null",
    stderr: "null",
  }).spawn();
  (await Deno.open(BLOB)).readable.pipeTo(client.stdin).catch(() => {});
  let seen = "";
  const received = (async () => {
    for await (const chunk of server.stdout) {
      seen += decoder.decode(chunk);
      if (seen.includes("all-received")) return;
    }
    throw new Error("the zone-side proxy ended before it had every byte");
  })();
  await withTimeout(received, 600_000, "the zone side to receive every byte");
  const ms = performance.now() - started;
  for (const p of [client, server]) {
    try {
      p.kill("SIGKILL");
    } catch { /* gone */ }
  }
  return ms;
}

const rate = (ms: number) => MIB / (ms / 1000);
const oursRates: number[] = [];
const refRates: number[] = [];
for (let i = 0; i < ROUNDS; i++) {
  refRates.push(rate(await reference(i)));
  oursRates.push(rate(await ours()));
  console.log(
    `round ${i}: protect ${oursRates[i].toFixed(1)} MiB/s  vchan-socket-proxy ${
      refRates[i].toFixed(1)
    } MiB/s`,
  );
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(
  `${MIB} MiB dom0 → zone: protect zone exec ${median(oursRates).toFixed(1)} MiB/s, ` +
    `vchan-socket-proxy ${median(refRates).toFixed(1)} MiB/s, ratio ${
      (median(oursRates) / median(refRates)).toFixed(2)
    }x (target >= 0.8x)`,
);
await sh("protect", ["zone", "destroy", ZONE, "--wait"]);
