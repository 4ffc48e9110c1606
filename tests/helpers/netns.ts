/**
 * Throw-away network namespaces for tests of real kernel networking: every
 * address and packet stays inside namespaces the test made and then deletes.
 */

export interface TestNetns {
  name: string;
  /** Runs argv inside the namespace; returns stdout, or throws with stderr. */
  run(...argv: string[]): Promise<string>;
  /** Like run, but returns the exit code and output instead of throwing. */
  try(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
  /** Starts a long-running command inside the namespace. */
  spawn(...argv: string[]): Deno.ChildProcess;
  remove(): Promise<void>;
}

async function exec(argv: string[]) {
  const out = await new Deno.Command(argv[0], { args: argv.slice(1), stdin: "null" }).output();
  const d = new TextDecoder();
  return { code: out.code, stdout: d.decode(out.stdout), stderr: d.decode(out.stderr) };
}

export async function ip(...args: string[]): Promise<string> {
  const r = await exec(["ip", ...args]);
  if (r.code !== 0) throw new Error(`ip ${args.join(" ")}: ${r.stderr.trim()}`);
  return r.stdout;
}

/** A new namespace with loopback up, named `prefix` + random digits. */
export async function createNetns(prefix: string): Promise<TestNetns> {
  const name = `${prefix}${crypto.getRandomValues(new Uint32Array(1))[0] % 100000}`;
  await ip("netns", "add", name);
  const inside = (argv: string[]) => ["ip", "netns", "exec", name, ...argv];
  const ns: TestNetns = {
    name,
    async run(...argv) {
      const r = await exec(inside(argv));
      if (r.code !== 0) throw new Error(`${argv.join(" ")} in ${name}: ${r.stderr.trim()}`);
      return r.stdout;
    },
    try: (...argv) => exec(inside(argv)),
    spawn: (...argv) =>
      new Deno.Command("ip", {
        args: ["netns", "exec", name, ...argv],
        stdin: "null",
        stdout: "null",
        stderr: "null",
      }).spawn(),
    remove: async () => void await exec(["ip", "netns", "del", name]),
  };
  await ns.run("ip", "link", "set", "lo", "up");
  return ns;
}

/** True when this machine can run the namespace tests (root, ip, nft). */
export function canTestNetworking(): boolean {
  if (Deno.uid() !== 0) return false;
  for (const tool of ["ip", "nft", "unshare"]) {
    const found = new Deno.Command("sh", { args: ["-c", `command -v ${tool}`], stdout: "null" })
      .outputSync();
    if (!found.success) return false;
  }
  return true;
}
