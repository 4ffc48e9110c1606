/**
 * kubelet's pod volumes through protect-cri, on process-driver zones: the pod's directory
 * (<kubelet root>/pods/<uid>, laid out as kubelet lays it out) is shared with the pod's zone,
 * so an emptyDir is writable and shared live by the pod's containers, a ConfigMap follows
 * kubelet's updates, a termination-log file reaches the host, and a writable host path
 * outside the pod's directory is refused with the reason.
 */
import assert from "node:assert/strict";
import { status as GrpcStatus } from "@grpc/grpc-js";
import { rejects, startCriEnv, until } from "./helpers/cri_env.ts";

const decoder = new TextDecoder();

/** A pod directory as kubelet makes it before RunPodSandbox (volumes written atomically). */
function makePodDir(uid: string): string {
  const dir = `/var/lib/kubelet/pods/${uid}`;
  const emptyDir = `${dir}/volumes/kubernetes.io~empty-dir/scratch`;
  const configMap = `${dir}/volumes/kubernetes.io~configmap/settings`;
  Deno.mkdirSync(emptyDir, { recursive: true });
  Deno.chmodSync(emptyDir, 0o777);
  Deno.mkdirSync(`${configMap}/..2026_12_04_v1`, { recursive: true });
  Deno.writeTextFileSync(`${configMap}/..2026_12_04_v1/mode`, "first");
  Deno.symlinkSync("..2026_12_04_v1", `${configMap}/..data`);
  Deno.symlinkSync("..data/mode", `${configMap}/mode`);
  Deno.mkdirSync(`${dir}/containers/writer`, { recursive: true });
  Deno.writeTextFileSync(`${dir}/containers/writer/0f3a`, "");
  Deno.writeTextFileSync(`${dir}/etc-hosts`, "127.0.0.1\tlocalhost\n10.0.0.9\tweb-0\n");
  return dir;
}

/** kubelet's atomic update of a ConfigMap volume: a new timestamped dir, then ..data swapped. */
function updateConfigMap(dir: string, value: string) {
  const configMap = `${dir}/volumes/kubernetes.io~configmap/settings`;
  Deno.mkdirSync(`${configMap}/..2026_12_04_v2`);
  Deno.writeTextFileSync(`${configMap}/..2026_12_04_v2/mode`, value);
  Deno.symlinkSync("..2026_12_04_v2", `${configMap}/..data_tmp`);
  Deno.renameSync(`${configMap}/..data_tmp`, `${configMap}/..data`);
}

Deno.test("CRI: kubelet's pod volumes are shared live with the pod's zone", async (t) => {
  const env = await startCriEnv();
  const { c, podConfig, containerConfig } = env;
  const uid = `protect-test-${crypto.randomUUID()}`;
  const dir = makePodDir(uid);
  const volume = (name: string) => `${dir}/volumes/${name}`;
  const mounts = [
    { containerPath: "/scratch", hostPath: volume("kubernetes.io~empty-dir/scratch") },
    {
      containerPath: "/etc/settings",
      hostPath: volume("kubernetes.io~configmap/settings"),
      readonly: true,
    },
    { containerPath: "/etc/hosts", hostPath: `${dir}/etc-hosts` },
  ];
  try {
    await env.pull();
    const sandboxConfig = podConfig("web", {
      metadata: { name: "web", namespace: "default", uid, attempt: 0 },
    });
    const podId = (await c.runtime.runPodSandbox({ config: sandboxConfig }, {
      deadlineMs: 120_000,
    })).podSandboxId;
    const run = async (name: string, script: string, extra: Record<string, unknown> = {}) => {
      const id = (await c.runtime.createContainer({
        podSandboxId: podId,
        config: containerConfig(name, ["sh", "-c", script], { mounts, ...extra }),
        sandboxConfig,
      })).containerId;
      await c.runtime.startContainer({ containerId: id });
      return id;
    };
    const exited = (id: string) =>
      until("the container to exit", async () => {
        const s = await c.runtime.containerStatus({ containerId: id });
        return s.status.state === "CONTAINER_EXITED" ? s.status : undefined;
      });

    await t.step(
      "an emptyDir is writable and reaches the host; the termination log too",
      async () => {
        const writer = await run(
          "writer",
          "cat /etc/settings/mode > /scratch/from-writer; grep web-0 /etc/hosts >> /scratch/from-writer; " +
            "touch /etc/settings/x 2>/dev/null && echo settings-writable || echo settings-read-only; " +
            "echo all-done > /dev/termination-log",
          {
            mounts: [...mounts, {
              containerPath: "/dev/termination-log",
              hostPath: `${dir}/containers/writer/0f3a`,
            }],
          },
        );
        const status = await exited(writer);
        assert.equal(status.exitCode, 0);
        assert.equal(
          Deno.readTextFileSync(volume("kubernetes.io~empty-dir/scratch/from-writer")),
          "first10.0.0.9\tweb-0\n",
        );
        assert.equal(Deno.readTextFileSync(`${dir}/containers/writer/0f3a`), "all-done\n");
        const log = Deno.readTextFileSync(status.logPath);
        assert.match(log, /stdout F settings-read-only/);
      },
    );

    await t.step(
      "a second container sees the first one's files, and ConfigMap updates",
      async () => {
        const reader = await run("reader", "sleep 300");
        await until("the reader to run", async () => {
          const s = await c.runtime.containerStatus({ containerId: reader });
          return s.status.state === "CONTAINER_RUNNING" ? true : undefined;
        });
        const cat = async (path: string) => {
          const r = await c.runtime.execSync({
            containerId: reader,
            cmd: ["sh", "-c", `cat ${path}`],
            timeout: 20,
          });
          assert.equal(r.exitCode, 0, decoder.decode(r.stderr));
          return decoder.decode(r.stdout);
        };
        assert.equal(await cat("/scratch/from-writer"), "first10.0.0.9\tweb-0\n");
        updateConfigMap(dir, "second");
        assert.equal(await cat("/etc/settings/mode"), "second");
        // And the other way: the host sees what a running container writes.
        const wrote = await c.runtime.execSync({
          containerId: reader,
          cmd: ["sh", "-c", "echo live > /scratch/from-reader"],
          timeout: 20,
        });
        assert.equal(wrote.exitCode, 0);
        assert.equal(
          Deno.readTextFileSync(volume("kubernetes.io~empty-dir/scratch/from-reader")),
          "live\n",
        );
        await c.runtime.stopContainer({ containerId: reader, timeout: 1 });
      },
    );

    await t.step("a writable host path outside the pod's directory is refused", async () => {
      const outside = Deno.makeTempDirSync();
      try {
        await rejects(
          c.runtime.createContainer({
            podSandboxId: podId,
            config: containerConfig("outside", ["true"], {
              mounts: [{ containerPath: "/data", hostPath: outside }],
            }),
            sandboxConfig,
          }),
          GrpcStatus.INVALID_ARGUMENT,
          /mounts\[0\]\.read_only: must be true: .* is not inside one of the zone's shares/,
        );
      } finally {
        Deno.removeSync(outside, { recursive: true });
      }
    });

    await c.runtime.stopPodSandbox({ podSandboxId: podId });
    await c.runtime.removePodSandbox({ podSandboxId: podId });
  } finally {
    await env.close();
    Deno.removeSync(dir, { recursive: true });
  }
});
