/**
 * What the CRI integration tests share: protect-daemon (process driver), protect-storage
 * and protect-cri on a throw-away root, a registry behind a token-auth proxy (user "kube",
 * password "s3cret") holding the busybox test image, an independent gRPC client, and the pod
 * and container configs kubelet would send.
 */
import assert from "node:assert/strict";
import { status as GrpcStatus } from "@grpc/grpc-js";
import { busyboxLayers } from "../../storage/testing/busybox_image.ts";
import { protectPaths } from "../../lib/paths/mod.ts";
import { connectCri, type CriClient, grpcCode, grpcMessage } from "./cri_client.ts";
import {
  type ProgramProcess,
  startProgramProcess,
  startStorageProcess,
  tempRoot,
  writeDaemonConfig,
} from "./processes.ts";
import { pushImage, startRegistry } from "./registry.ts";
import { startTokenProxy } from "./token_proxy.ts";

/** Asserts `p` fails with gRPC `code` and a message matching `message`. */
export async function rejects(p: Promise<unknown>, code: number, message: RegExp) {
  const error = await p.then(() => undefined, (e) => e);
  assert.ok(error, `expected ${GrpcStatus[code]}, got success`);
  assert.equal(grpcCode(error), code, `${GrpcStatus[code]} expected: ${error}`);
  assert.match(grpcMessage(error), message);
}

export { until } from "./until.ts";

export interface CriEnv {
  c: CriClient;
  /** The test image's reference (behind the token-auth proxy). */
  image: string;
  proxyHost: string;
  socket: string;
  /** kubelet's pod log directory: outside protect's root (the cri grant has /var/log/pods). */
  logDir: string;
  podConfig(name: string, extra?: Record<string, unknown>): Record<string, unknown>;
  containerConfig(
    name: string,
    command: string[],
    extra?: Record<string, unknown>,
  ): Record<string, unknown>;
  /** Pulls the test image through the CRI, with its credentials. */
  pull(): Promise<{ imageRef: string }>;
  /** Stops protect-cri and starts it again on the same state. */
  restartCri(): Promise<void>;
  logs(): string;
  close(): Promise<void>;
}

export async function startCriEnv(): Promise<CriEnv> {
  const registry = await startRegistry();
  const proxy = startTokenProxy(registry.host, "kube", "s3cret");
  const root = tempRoot();
  const logDir = `/var/log/pods/protect-test-${crypto.randomUUID()}`;
  writeDaemonConfig(root, '[daemon]\ndriver = "process"\n');
  const daemon = await startProgramProcess("daemon-process", root);
  const storage = await startStorageProcess(root);
  let cri: ProgramProcess = await startProgramProcess("cri", root);
  const socket = protectPaths(root).criSocket;
  const c = connectCri(socket);
  const image = `${proxy.host}/test/busybox:1`;
  await pushImage(registry.host, "test/busybox", "1", {
    layers: await busyboxLayers(),
    config: { Cmd: ["sh"], Env: ["PATH=/bin"] },
  });
  return {
    c,
    image,
    proxyHost: proxy.host,
    socket,
    logDir,
    podConfig: (name, extra = {}) => ({
      metadata: { name, namespace: "default", uid: crypto.randomUUID(), attempt: 0 },
      hostname: name,
      logDirectory: logDir,
      labels: { app: name, tier: "test" },
      annotations: { "example.com/note": "kept" },
      dnsConfig: {
        servers: ["10.96.0.10"],
        searches: ["default.svc.cluster.local"],
        options: ["ndots:5"],
      },
      linux: { sysctls: { "net.ipv4.ip_unprivileged_port_start": "80" } },
      ...extra,
    }),
    containerConfig: (name, command, extra = {}) => ({
      metadata: { name, attempt: 0 },
      image: { image },
      command,
      envs: [{ key: "GREETING", value: "hello" }],
      labels: { container: name },
      logPath: `${name}/0.log`,
      linux: {
        resources: { cpuShares: 2, oomScoreAdj: 1000, memoryLimitInBytes: 64 * 1024 * 1024 },
        securityContext: {
          namespaceOptions: { network: "POD", pid: "CONTAINER", ipc: "POD" },
          seccomp: { profileType: "RuntimeDefault" },
          maskedPaths: ["/proc/kcore", "/proc/keys"],
          readonlyPaths: ["/proc/sys"],
        },
      },
      ...extra,
    }),
    pull: () => c.image.pullImage({ image: { image }, auth: { auth: btoa("kube:s3cret") } }),
    restartCri: async () => {
      await cri.stop();
      await new Promise((r) => setTimeout(r, 1000)); // output goes on while no protect-cri runs
      cri = await startProgramProcess("cri", root);
    },
    logs: () => cri.logs(),
    close: async () => {
      c.close();
      await cri.stop();
      await daemon.stop();
      await storage.stop();
      await proxy.stop();
      await registry.stop();
      Deno.removeSync(root, { recursive: true });
      try {
        Deno.removeSync(logDir, { recursive: true });
      } catch { /* never made */ }
    },
  };
}
