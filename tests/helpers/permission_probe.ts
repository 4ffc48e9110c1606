/**
 * Run under the daemon's permission set by permissions_test.ts: tries each
 * kind of access and reports the error name (or "allowed"). Never imported
 * by the daemon.
 */
const stateDir = Deno.args[0];

async function attempt(fn: () => unknown): Promise<string> {
  try {
    await fn();
    return "allowed";
  } catch (e) {
    return (e as Error).name;
  }
}

console.log(JSON.stringify({
  "read /etc/passwd": await attempt(() => Deno.readTextFileSync("/etc/passwd")),
  "write /tmp": await attempt(() => Deno.writeTextFileSync("/tmp/protect-probe", "x")),
  "write own state dir": await attempt(() =>
    Deno.mkdirSync(stateDir + "/probe", { recursive: true })
  ),
  "env": await attempt(() => Deno.env.get("HOME")),
  "run": await attempt(() => new Deno.Command("true").outputSync()),
  "ffi": await attempt(() => Deno.dlopen("libc.so.6", {})),
  "net tcp": await attempt(() => Deno.connect({ hostname: "127.0.0.1", port: 9 })),
}));
