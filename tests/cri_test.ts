/**
 * protect-cri driven as kubelet drives it, by an independent client (@grpc/grpc-js on the
 * unmodified upstream api.proto), on process-driver zones: image pull with auth, the pod
 * and container flow with its log file, ExecSync, stats, updates, a restart, filters,
 * idempotence and refusals. Streaming (Exec, Attach, PortForward) is cri_streaming_test.ts.
 */
import assert from "node:assert/strict";
import { status as GrpcStatus } from "@grpc/grpc-js";
import { grpcMessage } from "./helpers/cri_client.ts";
import { rejects, startCriEnv, until } from "./helpers/cri_env.ts";
import { groupId } from "../lib/fs/mod.ts";

// deno-lint-ignore no-explicit-any
type Any = any;

Deno.test("CRI: the flow kubelet runs, on process-driver zones", async (t) => {
  const env = await startCriEnv();
  const { c, image, logDir, podConfig, containerConfig } = env;
  try {
    await t.step("version and status", async () => {
      const v = await c.runtime.version({ version: "v1" });
      assert.equal(v.runtimeName, "protect");
      assert.equal(v.runtimeApiVersion, "v1");
      const s = await c.runtime.status({});
      const runtime = s.status.conditions.find((x: Any) => x.type === "RuntimeReady");
      assert.equal(runtime.status, true);
      // No protect-network in this test: the condition says so, with the reason.
      const network = s.status.conditions.find((x: Any) => x.type === "NetworkReady");
      assert.equal(network.status, false);
      assert.match(network.message, /protect-network is not running/);
      const config = await c.runtime.runtimeConfig({});
      assert.equal(config.linux.cgroupDriver, "SYSTEMD");
      // cri.sock follows daemon.sock's rule: root and the socket group, or root alone.
      const mode = Deno.statSync(env.socket).mode! & 0o777;
      assert.equal(mode, groupId("protect") === undefined ? 0o600 : 0o660);
    });

    await t.step("images: pull with auth, status by tag and ID, list, refusals", async () => {
      const anonymous = await c.image.pullImage({ image: { image } }).then(
        () => undefined,
        (e) => e,
      );
      assert.ok(anonymous, "pulling without credentials must fail");
      assert.match(grpcMessage(anonymous), /refused the credentials/);
      const pulled = await c.image.pullImage({
        image: { image },
        auth: { auth: btoa("kube:s3cret") },
      });
      assert.match(pulled.imageRef, /^127\.0\.0\.1:\d+\/test\/busybox@sha256:[0-9a-f]{64}$/);
      const byTag = await c.image.imageStatus({ image: { image } });
      assert.equal(byTag.image.repoTags[0], image);
      const id = byTag.image.id;
      const byId = await c.image.imageStatus({ image: { image: id.slice(7, 19) } });
      assert.equal(byId.image.id, id);
      const none = await c.image.imageStatus({ image: { image: `${env.proxyHost}/no/such:1` } });
      assert.equal(none.image, null);
      const list = await c.image.listImages({});
      assert.ok(list.images.some((i: Any) => i.id === id));
      const fs = await c.image.imageFsInfo({});
      assert.ok(BigInt(fs.imageFilesystems[0].usedBytes.value) > 0n);
      await rejects(
        c.image.pullImage({ image: { image }, auth: { registryToken: "x" } }),
        GrpcStatus.UNIMPLEMENTED,
        /registry_token/,
      );
    });

    let podId = "";
    await t.step("a pod is a zone: run, status, list with filters", async () => {
      const run = await c.runtime.runPodSandbox({ config: podConfig("web") }, {
        deadlineMs: 120_000,
      });
      podId = run.podSandboxId;
      assert.match(podId, /^[0-9a-f]{64}$/);
      const s = await c.runtime.podSandboxStatus({
        podSandboxId: podId.slice(0, 12),
        verbose: true,
      });
      assert.equal(s.status.state, "SANDBOX_READY");
      assert.equal(s.status.metadata.name, "web");
      assert.equal(s.status.labels.app, "web");
      assert.equal(s.status.annotations["example.com/note"], "kept");
      assert.ok(BigInt(s.status.createdAt) > 1_600_000_000_000_000_000n, "nanoseconds");
      assert.match(s.info.info, /"zoneState":"READY"/);
      const listed = await c.runtime.listPodSandbox({ filter: { labelSelector: { app: "web" } } });
      assert.deepEqual(listed.items.map((p: Any) => p.id), [podId]);
      const notReady = await c.runtime.listPodSandbox({
        filter: { state: { state: "SANDBOX_NOTREADY" } },
      });
      assert.equal(notReady.items.length, 0);
    });

    let ranId = "";
    await t.step(
      "a container runs to its end; its log is at kubelet's path, CRI format",
      async () => {
        const created = await c.runtime.createContainer({
          podSandboxId: podId,
          config: containerConfig("once", [
            "sh",
            "-c",
            "echo $GREETING; hostname; cat /etc/resolv.conf; echo oops >&2; printf partial",
          ]),
          sandboxConfig: podConfig("web"),
        });
        ranId = created.containerId;
        assert.match(ranId, /^[0-9a-f]{64}$/);
        const before = await c.runtime.containerStatus({ containerId: ranId });
        assert.equal(before.status.state, "CONTAINER_CREATED");
        await c.runtime.startContainer({ containerId: ranId });
        const done = await until("the container to exit", async () => {
          const s = await c.runtime.containerStatus({ containerId: ranId });
          return s.status.state === "CONTAINER_EXITED" ? s.status : undefined;
        });
        assert.equal(done.exitCode, 0);
        assert.equal(done.reason, "Completed");
        assert.ok(BigInt(done.finishedAt) >= BigInt(done.startedAt));
        assert.equal(done.logPath, `${logDir}/once/0.log`);
        assert.match(done.imageRef, /@sha256:/);
        const log = await until("the log file to be complete", () => {
          try {
            const text = Deno.readTextFileSync(done.logPath);
            return text.includes("partial") ? text : undefined;
          } catch {
            return undefined;
          }
        });
        const lines = log.trimEnd().split("\n");
        const line = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z (stdout|stderr) ([PF]) (.*)$/;
        for (const l of lines) assert.match(l, line);
        const parsed = lines.map((l) => line.exec(l)!.slice(1));
        assert.deepEqual(
          parsed.filter(([s]) => s === "stdout").map(([, tag, text]) => [tag, text]),
          [
            ["F", "hello"],
            ["F", "web"],
            ["F", "nameserver 10.96.0.10"],
            ["F", "search default.svc.cluster.local"],
            ["F", "options ndots:5"],
            ["P", "partial"],
          ],
        );
        assert.deepEqual(parsed.filter(([s]) => s === "stderr").map(([, t, x]) => [t, x]), [[
          "F",
          "oops",
        ]]);
      },
    );

    let longId = "";
    await t.step("ExecSync in a running container: output, exit code, timeout", async () => {
      longId = (await c.runtime.createContainer({
        podSandboxId: podId,
        config: containerConfig("server", ["sh", "-c", "sleep 300"]),
        sandboxConfig: podConfig("web"),
      })).containerId;
      await c.runtime.startContainer({ containerId: longId });
      await until("running", async () => {
        const s = await c.runtime.containerStatus({ containerId: longId });
        return s.status.state === "CONTAINER_RUNNING" ? true : undefined;
      });
      const sysctl = await c.runtime.execSync({
        containerId: longId,
        cmd: ["sh", "-c", "cat /proc/sys/net/ipv4/ip_unprivileged_port_start"],
      });
      assert.equal(
        new TextDecoder().decode(sysctl.stdout),
        "80\n",
        "the pod's sysctl, in its zone",
      );
      const r = await c.runtime.execSync({
        containerId: longId,
        cmd: ["sh", "-c", "echo hi; echo no >&2; exit 3"],
      });
      assert.equal(new TextDecoder().decode(r.stdout), "hi\n");
      assert.equal(new TextDecoder().decode(r.stderr), "no\n");
      assert.equal(r.exitCode, 3);
      await rejects(
        c.runtime.execSync({ containerId: longId, cmd: ["sh", "-c", "sleep 10"], timeout: 1 }),
        GrpcStatus.DEADLINE_EXCEEDED,
        /timed out after 1 s/,
      );
      const running = await c.runtime.listContainers({
        filter: { state: { state: "CONTAINER_RUNNING" }, podSandboxId: podId.slice(0, 10) },
      });
      assert.deepEqual(running.containers.map((x: Any) => x.id), [longId]);
      const byLabel = await c.runtime.listContainers({
        filter: { labelSelector: { container: "once" } },
      });
      assert.deepEqual(byLabel.containers.map((x: Any) => x.id), [ranId]);
      await c.runtime.reopenContainerLog({ containerId: longId });
    });

    await t.step("stats: CPU, memory and writable layer from the zone; pod totals", async () => {
      await c.runtime.execSync({
        containerId: longId,
        cmd: ["sh", "-c", "head -c 100000 /dev/zero > /big"],
      });
      const first = (await c.runtime.containerStats({ containerId: longId })).stats;
      assert.equal(first.attributes.id, longId);
      assert.ok(BigInt(first.cpu.usageCoreNanoSeconds.value) > 0n, "cpu time");
      assert.ok(BigInt(first.memory.workingSetBytes.value) > 0n, "working set");
      assert.ok(BigInt(first.writableLayer.usedBytes.value) >= 100000n, "writable layer");
      const second = (await c.runtime.containerStats({ containerId: longId })).stats;
      assert.ok(second.cpu.usageNanoCores, "a rate from two samples");
      const listed = await c.runtime.listContainerStats({ filter: { podSandboxId: podId } });
      assert.deepEqual(
        listed.stats.map((x: Any) => x.attributes.id),
        [longId],
        "running ones only",
      );
      const pod = (await c.runtime.podSandboxStats({ podSandboxId: podId })).stats;
      assert.equal(pod.attributes.id, podId);
      assert.ok(BigInt(pod.linux.process.processCount.value) > 0n);
      assert.ok(BigInt(pod.linux.memory.usageBytes.value) > 0n);
      assert.equal(pod.linux.containers.length, 1);
      const pods = await c.runtime.listPodSandboxStats({
        filter: { labelSelector: { app: "web" } },
      });
      assert.equal(pods.stats.length, 1);
    });

    await t.step("UpdateContainerResources changes a running container's cgroup", async () => {
      await c.runtime.updateContainerResources({
        containerId: longId,
        linux: {
          memoryLimitInBytes: 48 * 1024 * 1024,
          cpuPeriod: 100000,
          cpuQuota: 50000,
          cpuShares: 512,
          oomScoreAdj: 1000,
        },
      });
      const s = await c.runtime.containerStatus({ containerId: longId, verbose: true });
      assert.equal(Number(s.status.resources.linux.memoryLimitInBytes), 48 * 1024 * 1024);
      assert.equal(Number(s.status.resources.linux.cpuQuota), 50000);
      // The cgroup itself, in this host's tree (process driver): cgroup v1 or v2.
      const workloadId = JSON.parse(s.info.info).workloadId;
      const read = (path: string) => {
        try {
          return Deno.readTextFileSync(path);
        } catch {
          return undefined;
        }
      };
      const limit = read(`/sys/fs/cgroup/memory/protect/${workloadId}/ctr/memory.limit_in_bytes`) ??
        read(`/sys/fs/cgroup/protect/${workloadId}/ctr/memory.max`);
      assert.equal(Number(limit), 48 * 1024 * 1024);
      await rejects(
        c.runtime.updateContainerResources({ containerId: longId, linux: { oomScoreAdj: 5 } }),
        GrpcStatus.INVALID_ARGUMENT,
        /oom_score_adj: cannot change while the workload runs/,
      );
      await rejects(
        c.runtime.updateContainerResources({ containerId: longId, linux: { cpusetCpus: "0" } }),
        GrpcStatus.UNIMPLEMENTED,
        /cpuset_cpus/,
      );
    });

    await t.step(
      "a restarted protect-cri keeps its pods and carries a log on, no line twice",
      async () => {
        const ticker = (await c.runtime.createContainer({
          podSandboxId: podId,
          config: containerConfig("ticker", [
            "sh",
            "-c",
            "for i in 1 2 3 4 5 6 7 8; do echo line$i; sleep 0.4; done",
          ]),
          sandboxConfig: podConfig("web"),
        })).containerId;
        await c.runtime.startContainer({ containerId: ticker });
        const path = `${logDir}/ticker/0.log`;
        const read = () => {
          try {
            return Deno.readTextFileSync(path);
          } catch {
            return "";
          }
        };
        await until("the first lines", () => read().includes("line2") ? true : undefined);
        await env.restartCri();
        const pods = await c.runtime.listPodSandbox({});
        assert.deepEqual(pods.items.map((p: Any) => p.id), [podId]);
        const done = await until(
          "the rest of the log",
          () => read().includes("line8") ? read() : undefined,
        );
        const lines = done.trimEnd().split("\n").map((l) => l.replace(/^\S+ stdout F /, ""));
        assert.deepEqual(lines, [
          "line1",
          "line2",
          "line3",
          "line4",
          "line5",
          "line6",
          "line7",
          "line8",
        ]);
        await c.runtime.removeContainer({ containerId: ticker });
      },
    );

    await t.step("stop and remove are idempotent; NotFound where kubelet expects it", async () => {
      await c.runtime.stopContainer({ containerId: longId, timeout: 1 });
      const stopped = await c.runtime.containerStatus({ containerId: longId });
      assert.equal(stopped.status.state, "CONTAINER_EXITED");
      assert.ok([137, 143].includes(stopped.status.exitCode), String(stopped.status.exitCode));
      await c.runtime.stopContainer({ containerId: longId, timeout: 1 });
      await c.runtime.removeContainer({ containerId: longId });
      await c.runtime.removeContainer({ containerId: longId });
      await rejects(
        c.runtime.containerStatus({ containerId: longId }),
        GrpcStatus.NOT_FOUND,
        /not found/,
      );
      await rejects(
        c.runtime.stopContainer({ containerId: longId }),
        GrpcStatus.NOT_FOUND,
        /not found/,
      );
    });

    await t.step("refusals say why", async () => {
      // RPCs of kubelet feature gates that are off by default say which gate to leave off.
      await rejects(
        c.runtime.checkpointContainer({ containerId: "x", location: "/tmp/x" }),
        GrpcStatus.UNIMPLEMENTED,
        /leave kubelet's ContainerCheckpoint feature gate off/,
      );
      await rejects(
        c.runtime.listMetricDescriptors({}),
        GrpcStatus.UNIMPLEMENTED,
        /PodAndContainerStatsFromCRI feature gate off/,
      );
      await rejects(
        c.runtime.runPodSandbox({
          config: podConfig("hostnet", {
            linux: { securityContext: { namespaceOptions: { network: "NODE" } } },
          }),
        }),
        GrpcStatus.INVALID_ARGUMENT,
        /cannot share the host's network namespace \(hostNetwork\)/,
      );
      await rejects(
        c.runtime.runPodSandbox({
          config: podConfig("x", { annotations: { "protect.dev/nope": "1" } }),
        }),
        GrpcStatus.INVALID_ARGUMENT,
        /protect.dev\/nope.*unknown/,
      );
      await rejects(
        c.runtime.runPodSandbox({ config: podConfig("x"), runtimeHandler: "runc" }),
        GrpcStatus.INVALID_ARGUMENT,
        /runtime_handler/,
      );
      await rejects(
        c.runtime.createContainer({
          podSandboxId: podId,
          config: containerConfig("dev", ["true"], {
            devices: [{ hostPath: "/dev/kvm", containerPath: "/dev/kvm", permissions: "rw" }],
          }),
        }),
        GrpcStatus.UNIMPLEMENTED,
        /devices: host devices cannot be passed/,
      );
      await rejects(
        c.runtime.exec({ containerId: ranId, cmd: ["sh"], stdout: true }),
        GrpcStatus.FAILED_PRECONDITION,
        /is not running/,
      );
      await rejects(
        c.runtime.podSandboxStatus({ podSandboxId: "zz" }),
        GrpcStatus.INVALID_ARGUMENT,
        /not a pod sandbox ID/,
      );
    });

    await t.step(
      "stop the pod: NOTREADY, its containers keep their last status; remove twice",
      async () => {
        await c.runtime.stopPodSandbox({ podSandboxId: podId });
        const s = await c.runtime.podSandboxStatus({ podSandboxId: podId });
        assert.equal(s.status.state, "SANDBOX_NOTREADY");
        const kept = await c.runtime.containerStatus({ containerId: ranId });
        assert.equal(kept.status.state, "CONTAINER_EXITED");
        assert.equal(kept.status.exitCode, 0);
        await c.runtime.stopPodSandbox({ podSandboxId: podId });
        await c.runtime.removePodSandbox({ podSandboxId: podId });
        await c.runtime.removePodSandbox({ podSandboxId: podId });
        await rejects(
          c.runtime.podSandboxStatus({ podSandboxId: podId }),
          GrpcStatus.NOT_FOUND,
          /not found/,
        );
        await rejects(
          c.runtime.stopPodSandbox({ podSandboxId: podId }),
          GrpcStatus.NOT_FOUND,
          /not found/,
        );
        assert.deepEqual((await c.runtime.listContainers({})).containers, []);
      },
    );
  } catch (e) {
    console.error(env.logs());
    throw e;
  } finally {
    await env.close();
  }
});
