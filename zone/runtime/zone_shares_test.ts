import assert from "node:assert/strict";
import { ZoneShares } from "./zone_shares.ts";
import type { BootstrapShare, WorkloadShareBind } from "../../proto/gen/protect/idm/v1/idm_pb.ts";

Deno.test("zone shares: 9pfs by tag (retried while it connects), binds by path, once", async () => {
  const dir = Deno.makeTempDirSync();
  const calls: string[] = [];
  let failures = 2;
  const shares = new ZoneShares(dir, (tool, args) => {
    calls.push(`${tool} ${args.join(" ")}`);
    if (args.includes("trans=xen,version=9p2000.L,msize=262144") && failures-- > 0) {
      return Promise.reject(new Error("mount: no such device"));
    }
    return Promise.resolve();
  });
  const list = [{ xenTag: "share0", hostPath: "" }, { xenTag: "", hostPath: "/srv/pod" }];
  await shares.mount(list as BootstrapShare[]);
  await shares.mount(list as BootstrapShare[]); // a repeated bootstrap mounts nothing again
  assert.deepEqual(calls, [
    ...Array(3).fill(`mount -t 9p -o trans=xen,version=9p2000.L,msize=262144 share0 ${dir}/0`),
    `mount --bind /srv/pod ${dir}/1`,
  ]);
  await assert.rejects(
    () => new ZoneShares(dir).mount([{ xenTag: "share0", hostPath: "/x" }] as BootstrapShare[]),
    /exactly one of xen_tag and host_path/,
  );
  await assert.rejects(
    () => new ZoneShares(dir).mount([{ xenTag: "../x", hostPath: "" }] as BootstrapShare[]),
    /not a share tag/,
  );
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("zone shares: a bind's source stays inside its share", async () => {
  const dir = Deno.makeTempDirSync();
  const shares = new ZoneShares(dir, () => Promise.resolve());
  await shares.mount([{ xenTag: "share0", hostPath: "" }] as BootstrapShare[]);
  Deno.mkdirSync(`${dir}/0/volumes/a`, { recursive: true });
  Deno.symlinkSync("/etc", `${dir}/0/volumes/out`);
  const bind = (path: string, share = 0) => ({ share, path }) as WorkloadShareBind;
  assert.equal(shares.source(bind("volumes/a")), `${dir}/0/volumes/a`);
  assert.equal(shares.source(bind("")), `${dir}/0`);
  assert.throws(() => shares.source(bind("volumes/out")), /leaves share 0/);
  assert.throws(() => shares.source(bind("volumes/../..")), /is not a relative path/);
  assert.throws(() => shares.source(bind("/etc")), /is not a relative path/);
  assert.throws(() => shares.source(bind("a", 1)), /share 1 is not mounted/);
  Deno.removeSync(dir, { recursive: true });
});
