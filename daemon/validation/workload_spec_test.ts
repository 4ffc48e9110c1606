import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { WorkloadSpecSchema } from "../../proto/mod.ts";
import { InvalidArgumentError } from "../../lib/errors/mod.ts";
import { validateWorkloadSpec } from "./workload_spec.ts";

const spec = (init: Parameters<typeof create<typeof WorkloadSpecSchema>>[1]) =>
  create(WorkloadSpecSchema, { zone: "z", image: "i", ...init });

Deno.test("workload spec: tmpfs mounts, cpu and seccomp are taken; what is not built is refused, not dropped", () => {
  validateWorkloadSpec(spec({
    mounts: [{ type: "tmpfs", destination: "/cache" }, {
      type: "tmpfs",
      destination: "/x",
      readOnly: true,
    }],
    resources: { cpuMillis: 500 },
    security: { seccompProfile: "unconfined" },
  }));
  validateWorkloadSpec(spec({
    security: {
      seccompProfile:
        '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["keyctl"],"action":"SCMP_ACT_ERRNO"}]}',
    },
  }));
  const refused = (init: Parameters<typeof spec>[0], type: unknown, message: RegExp) =>
    assert.throws(
      () => validateWorkloadSpec(spec(init)),
      (e) => e instanceof (type as typeof Error) && message.test((e as Error).message),
    );
  validateWorkloadSpec(
    spec({ mounts: [{ type: "bind", source: "/srv/cfg", destination: "/cfg", readOnly: true }] }),
  );
  // Writable is decided against the zone's shares (host_mounts.ts), not here.
  validateWorkloadSpec(spec({ mounts: [{ type: "bind", source: "/srv", destination: "/h" }] }));
  refused(
    { mounts: [{ type: "bind", source: "rel", destination: "/h", readOnly: true }] },
    InvalidArgumentError,
    /spec.mounts\[0\].source: must be an absolute host path/,
  );
  validateWorkloadSpec(spec({ mounts: [{ type: "volume", source: "v", destination: "/a" }] }));
  refused(
    { mounts: [{ type: "volume", source: "../v", destination: "/a" }] },
    InvalidArgumentError,
    /spec.mounts\[0\].source: "..\/v" must be 1-63 of/,
  );
  refused(
    {
      mounts: [
        { type: "volume", source: "v", destination: "/a" },
        { type: "volume", source: "v", destination: "/b" },
      ],
    },
    InvalidArgumentError,
    /spec.mounts\[1\].source: volume v is mounted twice/,
  );
  refused(
    { mounts: [{ type: "scratch", destination: "/d" }] },
    InvalidArgumentError,
    /spec.mounts\[0\].type: "scratch" is not a mount type/,
  );
  refused(
    { mounts: [{ type: "tmpfs", destination: "relative" }] },
    InvalidArgumentError,
    /spec.mounts\[0\].destination/,
  );
  refused(
    { mounts: [{ type: "tmpfs", destination: "/a/../etc" }] },
    InvalidArgumentError,
    /without \. or \.\. parts/,
  );
  refused(
    { mounts: [{ type: "tmpfs", destination: "/a" }, { type: "tmpfs", destination: "/a" }] },
    InvalidArgumentError,
    /mounted twice/,
  );
  refused(
    { mounts: [{ type: "tmpfs", source: "x", destination: "/a" }] },
    InvalidArgumentError,
    /a tmpfs has no source/,
  );
  refused(
    { resources: { cpuMillis: 2_000_000 } },
    InvalidArgumentError,
    /spec.resources.cpu_millis/,
  );
  refused(
    { security: { seccompProfile: "{not json" } },
    InvalidArgumentError,
    /seccomp_profile: seccomp profile is not JSON/,
  );
  refused(
    {
      security: {
        seccompProfile:
          '{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["x"],"action":"SCMP_ACT_ALLOW","includes":{}}]}',
      },
    },
    InvalidArgumentError,
    /Docker's profile format/,
  );
});

Deno.test("groups, paths, cpu shares and oom_score_adj are bounded, naming the field", () => {
  validateWorkloadSpec(spec({
    process: { supplementalGroups: [2000] },
    security: { maskedPaths: { paths: ["/proc/kcore"] }, readonlyPaths: { paths: [] } },
    resources: { cpuShares: 1024n, oomScoreAdj: -999 },
  }));
  const bad = (init: Parameters<typeof spec>[0], field: RegExp) =>
    assert.throws(
      () => validateWorkloadSpec(spec(init)),
      (e) => e instanceof InvalidArgumentError && field.test(e.message),
    );
  bad({ process: { supplementalGroups: [2 ** 31] } }, /spec.process.supplemental_groups/);
  bad({ security: { maskedPaths: { paths: ["proc"] } } }, /spec.security.masked_paths\[0\]/);
  bad(
    { security: { readonlyPaths: { paths: ["/proc/../etc"] } } },
    /spec.security.readonly_paths\[0\]/,
  );
  bad({ resources: { cpuShares: 1n } }, /spec.resources.cpu_shares/);
  bad({ resources: { oomScoreAdj: 1001 } }, /spec.resources.oom_score_adj/);
});
