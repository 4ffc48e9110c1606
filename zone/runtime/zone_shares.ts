import type { BootstrapShare, WorkloadShareBind } from "../../proto/gen/protect/idm/v1/idm_pb.ts";
import { run as runTool } from "./run_tool.ts";

/** How long a Xen zone's 9pfs device may take to connect after boot. */
const CONNECT_WAIT_MS = 15_000;
/** As many as the host gives a zone (daemon/validation MAX_ZONE_SHARES). */
const MAX_SHARES = 8;
const XEN_TAG = /^share[0-7]$/;

/**
 * The host directories shared with this zone, mounted once at bootstrap under `dir/<i>`:
 * a 9pfs device by its tag in a Xen zone, a bind of the host directory in a process zone.
 * Workloads' host mounts inside a share are bound from here, live and writable.
 */
export class ZoneShares {
  #mounted = 0;

  constructor(
    readonly dir: string,
    private readonly run = runTool,
    private readonly waitMs = CONNECT_WAIT_MS,
  ) {}

  /** Mounts every share; a second bootstrap with the same shares changes nothing. */
  async mount(shares: readonly BootstrapShare[]): Promise<void> {
    if (shares.length > MAX_SHARES) throw new Error(`more than ${MAX_SHARES} shares`);
    for (let i = this.#mounted; i < shares.length; i++) {
      const { xenTag, hostPath } = shares[i];
      const target = `${this.dir}/${i}`;
      Deno.mkdirSync(target, { recursive: true, mode: 0o700 });
      if (xenTag !== "" && hostPath === "") {
        if (!XEN_TAG.test(xenTag)) throw new Error(`share ${i}: "${xenTag}" is not a share tag`);
        await this.#retry(() =>
          this.run("mount", [
            "-t",
            "9p",
            "-o",
            "trans=xen,version=9p2000.L,msize=262144",
            xenTag,
            target,
          ])
        );
      } else if (hostPath.startsWith("/") && xenTag === "") {
        await this.run("mount", ["--bind", hostPath, target]);
      } else {
        throw new Error(`share ${i}: exactly one of xen_tag and host_path (absolute) is needed`);
      }
      this.#mounted = i + 1;
    }
  }

  /**
   * Where a workload's bind comes from in the zone. The path must stay inside its share,
   * also once symlinks are resolved (the zone's view of the share, which the host's
   * planning saw without them).
   */
  source(bind: WorkloadShareBind): string {
    if (bind.share >= this.#mounted) throw new Error(`share ${bind.share} is not mounted`);
    const parts = bind.path === "" ? [] : bind.path.split("/");
    if (parts.some((p) => p === "" || p === "." || p === "..") || bind.path.length > 4096) {
      throw new Error(`"${bind.path.slice(0, 80)}" is not a relative path in share ${bind.share}`);
    }
    const root = `${this.dir}/${bind.share}`;
    const path = parts.length ? `${root}/${bind.path}` : root;
    const real = Deno.realPathSync(path);
    const realRoot = Deno.realPathSync(root);
    if (real !== realRoot && !real.startsWith(realRoot + "/")) {
      throw new Error(`${bind.path} leaves share ${bind.share} (it resolves to ${real})`);
    }
    return path;
  }

  /** The 9pfs frontend connects a moment after the agent starts; mount waits for it. */
  async #retry(step: () => Promise<void>): Promise<void> {
    const deadline = Date.now() + this.waitMs;
    for (;;) {
      try {
        return await step();
      } catch (e) {
        if (Date.now() > deadline) throw e;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  }
}
