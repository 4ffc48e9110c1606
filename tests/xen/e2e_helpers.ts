/**
 * What the Xen lab's end-to-end suite (e2e_test.ts) drives and checks with: the protect
 * CLI, xl, xenstore and losetup in dom0, waits and timings. Dependency-free: dom0 has no
 * npm access.
 */
import assert from "node:assert/strict";

export const IMAGE = "lab/busybox:1";
export const OUT = "/mnt/host/out";
export const decoder = new TextDecoder();

export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

export async function run(command: string, ...args: string[]): Promise<Ran> {
  const out = await new Deno.Command(command, { args, stdout: "piped", stderr: "piped" })
    .output();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}

export async function protect(...args: string[]): Promise<Ran> {
  return await run("protect", ...args);
}

/** `protect …` that must succeed. */
export async function ok(...args: string[]): Promise<string> {
  const r = await protect(...args);
  assert.equal(r.code, 0, `protect ${args.join(" ")} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

export interface ZoneView {
  id: string;
  spec: { name: string };
  status: {
    state: string;
    error?: string;
    domainId?: number;
    driver?: string;
    backend?: string;
    ipv4?: string;
    ipv6?: string;
  };
}

export async function zone(ref: string): Promise<ZoneView> {
  return JSON.parse(await ok("zone", "get", ref, "-o", "json"));
}

export async function zones(): Promise<ZoneView[]> {
  return JSON.parse(await ok("zone", "list", "-o", "json"));
}

/** Domains other than dom0, from `xl list`. */
export async function domains(): Promise<Array<{ name: string; domid: number }>> {
  const r = await run("xl", "list");
  return r.stdout.trim().split("\n").slice(1).map((l) => l.trim().split(/\s+/))
    .map(([name, id]) => ({ name, domid: Number(id) })).filter((d) => d.domid !== 0);
}

export const timings: Record<string, number> = {};
/** Records a figure in timings.json (the lab prints it after the suite). */
export function record(name: string, value: number): void {
  timings[name] = value;
  Deno.writeTextFileSync(`${OUT}/timings.json`, JSON.stringify(timings, null, 2));
}
export async function timed<T>(name: string, body: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await body();
  } finally {
    record(name, Math.round(performance.now() - started));
  }
}

/** Waits until `predicate` holds, polling every second. */
export async function until<T>(what: string, seconds: number, probe: () => Promise<T | undefined>) {
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error(`timed out after ${seconds} s waiting for ${what}`);
}

/** Nothing of the domain is left: no domain, no loop device, no xenstore or backend keys. */
export async function assertNoTraces(domid: number) {
  assert.ok(!(await domains()).some((d) => d.domid === domid), `domain ${domid} still exists`);
  const loops = await run("losetup", "-a");
  assert.equal(loops.stdout.trim(), "", `loop devices left: ${loops.stdout}`);
  const home = await run("xenstore-ls", `/local/domain/${domid}`);
  assert.notEqual(home.code, 0, `xenstore keys left under /local/domain/${domid}`);
  const vbd = await run("xenstore-ls", `/local/domain/0/backend/vbd/${domid}`);
  assert.notEqual(vbd.code, 0, `block backends left for domain ${domid}`);
}

/** One ping from inside zone `from` (busybox) to `address`, waiting up to `seconds`. */
export async function pingFrom(from: string, address: string, seconds = 5): Promise<Ran> {
  return await protect(
    "zone",
    "exec",
    from,
    "--",
    "busybox",
    "ping",
    "-c",
    "1",
    "-W",
    String(seconds),
    address,
  );
}
