/**
 * Installs the Debian packages a purpose needs (lib/tools/packages.ts is the list):
 * `bash tools/deps.sh test` (or demo, lab, bench, host; several at once).
 * Looks for each package's commands rather than asking dpkg, so a host that has
 * the tools from elsewhere is left alone. As root with apt it installs what is
 * missing, saying what and why in one line; otherwise it prints the exact command
 * and exits 2.
 */
import { delimiter, join } from "node:path";
import {
  type DebianPackage,
  isPurpose,
  packagesFor,
  type Purpose,
  PURPOSES,
} from "../lib/tools/packages.ts";

const usage = `usage: deps.sh PURPOSE...\n${
  Object.entries(PURPOSES).map(([p, what]) => `  ${p}: ${what}`).join("\n")
}`;

function fail(message: string, code: number): never {
  console.error(`deps: ${message}`);
  Deno.exit(code);
}

const purposes = Deno.args;
if (purposes.length === 0 || purposes.some((p) => p === "-h" || p === "--help")) {
  console.error(usage);
  Deno.exit(purposes.length === 0 ? 2 : 0);
}
for (const p of purposes) if (!isPurpose(p)) fail(`unknown purpose "${p}"\n${usage}`, 2);

// sbin directories too: a non-root PATH often lacks them, and mkfs.ext4 or nft live there.
const searchPath = [
  ...(Deno.env.get("PATH") ?? "").split(delimiter),
  "/usr/local/sbin",
  "/usr/sbin",
  "/sbin",
].filter(Boolean);

function present(command: string): boolean {
  const candidates = command.startsWith("/") ? [command] : searchPath.map((d) => join(d, command));
  return candidates.some((path) => {
    try {
      return Deno.statSync(path).isFile;
    } catch {
      return false;
    }
  });
}

const wanted = new Map<string, DebianPackage>();
for (const p of purposes as Purpose[]) for (const pkg of packagesFor(p)) wanted.set(pkg.name, pkg);
const missing = [...wanted.values()].filter((pkg) => !pkg.provides.every(present));
if (missing.length === 0) Deno.exit(0);

const names = missing.map((p) => p.name);
const why = missing.map((p) => `${p.name} (${p.why})`).join(", ");
const command = `apt-get update && apt-get install -y --no-install-recommends ${names.join(" ")}`;
const hasApt = present("apt-get");
if (Deno.uid() !== 0 || !hasApt) {
  const reason = !hasApt ? "this system has no apt-get" : "installing needs root";
  fail(
    `${purposes.join(", ")} needs ${why}; ${reason}.\n` +
      (hasApt
        ? `Run as root: ${command}`
        : `Install the packages named above, or on Debian run: ${command}`),
    2,
  );
}

async function apt(args: string[], timeoutS: number): Promise<{ ok: boolean; output: string }> {
  const out = await new Deno.Command("timeout", {
    args: [String(timeoutS), "apt-get", ...args],
    env: { DEBIAN_FRONTEND: "noninteractive" },
    stdin: "null",
  }).output();
  const decoder = new TextDecoder();
  return { ok: out.success, output: decoder.decode(out.stdout) + decoder.decode(out.stderr) };
}

/** apt knows every package (a fresh machine has no package lists until `apt-get update`). */
async function listsKnow(packages: string[]): Promise<boolean> {
  const out = await new Deno.Command("apt-cache", {
    args: ["show", "--no-all-versions", ...packages],
    stdout: "null",
    stderr: "null",
  }).output();
  return out.success;
}

console.error(`deps: installing for ${purposes.join(", ")}: ${why}`);
if (!await listsKnow(names)) {
  const update = await apt(["update", "-qq"], 300);
  if (!update.ok) fail(`apt-get update failed:\n${update.output.trim()}`, 1);
}
const install = await apt(["install", "-y", "-qq", "--no-install-recommends", ...names], 900);
if (!install.ok) fail(`apt-get install ${names.join(" ")} failed:\n${install.output.trim()}`, 1);
const still = missing.filter((pkg) => !pkg.provides.every(present));
if (still.length > 0) {
  fail(`installed, yet still not found: ${still.flatMap((p) => p.provides).join(", ")}`, 1);
}
