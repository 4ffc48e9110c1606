/**
 * protect-cri's streaming, as kubelet's streaming library serves it and client-go speaks it:
 * Exec over SPDY/3.1 (streams, v4 exit status, tty resize, single-use URLs, negotiation),
 * Exec over WebSocket with Deno's own client, Attach, PortForward, and the gRPC server's
 * guard against a percent-encoded :authority. Process-driver zones.
 */
import assert from "node:assert/strict";
import * as http2 from "node:http2";
import * as net from "node:net";
import { status as GrpcStatus } from "@grpc/grpc-js";
import { readAll, upgrade } from "./helpers/spdy_client.ts";
import { rejects, startCriEnv, until } from "./helpers/cri_env.ts";

Deno.test("CRI streaming: Exec, Attach and PortForward over SPDY/3.1 and WebSocket", async (t) => {
  const env = await startCriEnv();
  const { c, socket, podConfig, containerConfig } = env;
  try {
    await env.pull();
    const { podSandboxId: podId } = await c.runtime.runPodSandbox({ config: podConfig("web") });
    const { containerId: longId } = await c.runtime.createContainer({
      podSandboxId: podId,
      config: containerConfig("server", ["sh", "-c", "sleep 300"]),
      sandboxConfig: podConfig("web"),
    });
    await c.runtime.startContainer({ containerId: longId });
    await until("the container to run", async () => {
      const s = await c.runtime.containerStatus({ containerId: longId });
      return s.status.state === "CONTAINER_RUNNING" ? true : undefined;
    });

    await t.step(
      "Exec over SPDY/3.1 as kubelet serves it: streams, exit status, tty resize",
      async () => {
        const { url } = await c.runtime.exec({
          containerId: longId,
          cmd: ["sh", "-c", "read x; echo got $x; echo err >&2; exit 3"],
          stdin: true,
          stdout: true,
          stderr: true,
        });
        assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/exec\/[0-9a-f]{32}$/);
        const up = await upgrade(url, ["v4.channel.k8s.io", "channel.k8s.io"]);
        assert.equal(up.status, 101);
        assert.equal(up.protocol, "v4.channel.k8s.io");
        const s = up.session!;
        const error = await s.openStream({ streamtype: "error" });
        const stdin = await s.openStream({ streamtype: "stdin" });
        const stdout = await s.openStream({ streamtype: "stdout" });
        const stderr = await s.openStream({ streamtype: "stderr" });
        await stdin.write(new TextEncoder().encode("hi\n"));
        stdin.close();
        const [out, err, status] = await Promise.all([
          readAll(stdout),
          readAll(stderr),
          readAll(error),
        ]);
        assert.equal(out, "got hi\n");
        assert.equal(err, "err\n");
        const parsed = JSON.parse(status);
        assert.equal(parsed.status, "Failure");
        assert.equal(parsed.reason, "NonZeroExitCode");
        assert.deepEqual(parsed.details.causes, [{ reason: "ExitCode", message: "3" }]);
        const again = await upgrade(url, ["v4.channel.k8s.io"]);
        assert.equal(again.status, 404, "a URL is good once");

        const tty = await c.runtime.exec({
          containerId: longId,
          cmd: ["sh", "-c", "sleep 1; stty size"],
          tty: true,
          stdout: true,
        });
        const t2 = (await upgrade(tty.url, ["v4.channel.k8s.io"])).session!;
        const ttyError = await t2.openStream({ streamtype: "error" });
        const ttyOut = await t2.openStream({ streamtype: "stdout" });
        const resize = await t2.openStream({ streamtype: "resize" });
        await resize.write(new TextEncoder().encode('{"Width":77,"Height":33}\n'));
        const [shown, ok] = await Promise.all([readAll(ttyOut), readAll(ttyError)]);
        assert.match(shown, /33 77/);
        assert.deepEqual(JSON.parse(ok), { metadata: {}, status: "Success" });

        const old = await c.runtime.exec({ containerId: longId, cmd: ["true"], stdout: true });
        const refused = await upgrade(old.url, ["v9.channel.k8s.io"]);
        assert.equal(refused.status, 403);
        assert.match(refused.body, /unable to negotiate/);
        await rejects(
          c.runtime.exec({ containerId: longId, cmd: ["sh"], tty: true, stderr: true }),
          GrpcStatus.INVALID_ARGUMENT,
          /a tty has no separate stderr/,
        );
      },
    );

    await t.step(
      "Exec over WebSocket (v5.channel.k8s.io), with Deno's own WebSocket client",
      async () => {
        const { url } = await c.runtime.exec({
          containerId: longId,
          cmd: ["sh", "-c", "read x; echo got $x; exit 2"],
          stdin: true,
          stdout: true,
        });
        const ws = new WebSocket(url.replace(/^http/, "ws"), ["v5.channel.k8s.io"]);
        ws.binaryType = "arraybuffer";
        const channels: Record<number, string> = {};
        const closed = new Promise<void>((resolve) => ws.onclose = () => resolve());
        ws.onmessage = (e) => {
          const bytes = new Uint8Array(e.data as ArrayBuffer);
          channels[bytes[0]] = (channels[bytes[0]] ?? "") +
            new TextDecoder().decode(bytes.subarray(1));
        };
        await new Promise<void>((resolve, reject) => {
          ws.onopen = () => resolve();
          ws.onerror = (e) => reject(new Error(String((e as ErrorEvent).message)));
        });
        assert.equal(ws.protocol, "v5.channel.k8s.io");
        ws.send(new Uint8Array([0, ...new TextEncoder().encode("hi\n")]));
        ws.send(new Uint8Array([255, 0])); // v5: stdin is done
        await closed;
        assert.equal(channels[1], "got hi\n");
        const status = JSON.parse(channels[3]);
        assert.equal(status.reason, "NonZeroExitCode");
        assert.deepEqual(status.details.causes, [{ reason: "ExitCode", message: "2" }]);
      },
    );

    await t.step("Attach and PortForward over SPDY/3.1", async () => {
      const attached = (await c.runtime.createContainer({
        podSandboxId: podId,
        config: containerConfig("reader", ["sh", "-c", "read x; echo attached $x"], {
          stdin: true,
          stdinOnce: true,
        }),
        sandboxConfig: podConfig("web"),
      })).containerId;
      await c.runtime.startContainer({ containerId: attached });
      const { url } = await c.runtime.attach({
        containerId: attached,
        stdin: true,
        stdout: true,
        stderr: true,
      });
      const s = (await upgrade(url, ["v4.channel.k8s.io"])).session!;
      const error = await s.openStream({ streamtype: "error" });
      const stdin = await s.openStream({ streamtype: "stdin" });
      const stdout = await s.openStream({ streamtype: "stdout" });
      await s.openStream({ streamtype: "stderr" });
      await stdin.write(new TextEncoder().encode("yo\n"));
      stdin.close();
      const [out, status] = await Promise.all([readAll(stdout), readAll(error)]);
      assert.equal(out, "attached yo\n");
      assert.equal(JSON.parse(status).status, "Success");

      const pf = await c.runtime.portForward({ podSandboxId: podId, port: [80] });
      const p = await upgrade(pf.url, ["portforward.k8s.io"]);
      assert.equal(p.protocol, "portforward.k8s.io");
      const pfError = await p.session!.openStream({
        streamtype: "error",
        port: "80",
        requestid: "0",
      });
      await p.session!.openStream({ streamtype: "data", port: "80", requestid: "0" });
      // No protect-network in this test: the pod has no address, and the client is told so.
      assert.match(await readAll(pfError), /the pod has no address/);
      p.session!.close();
      await c.runtime.removeContainer({ containerId: attached });
    });

    await t.step(
      "a percent-encoded :authority (grpc-go, grpcio) does not take the server down",
      async () => {
        const session = http2.connect("http://localhost", {
          createConnection: () => net.connect(socket),
        });
        const request = session.request({
          ":method": "POST",
          ":path": "/runtime.v1.RuntimeService/Version",
          ":authority": encodeURIComponent(socket),
          "content-type": "application/grpc",
          te: "trailers",
        });
        request.end(new Uint8Array([0, 0, 0, 0, 0]));
        const status = await new Promise<number>((resolve, reject) => {
          request.on("response", (headers) => resolve(Number(headers[":status"])));
          request.on("error", reject);
        });
        request.resume();
        assert.equal(status, 200);
        session.close();
        assert.equal((await c.runtime.version({})).runtimeName, "protect");
      },
    );

    await c.runtime.stopPodSandbox({ podSandboxId: podId });
    await c.runtime.removePodSandbox({ podSandboxId: podId });
  } catch (e) {
    console.error(env.logs());
    throw e;
  } finally {
    await env.close();
  }
});
