/**
 * A real OCI registry for tests: Debian's docker-registry on a loopback port,
 * plus a small pusher of our own (monolithic blob uploads, manifest PUT).
 */
import { createHash } from "node:crypto";
import { join } from "node:path";

export interface TestRegistry {
  /** "127.0.0.1:PORT". */
  host: string;
  stop(): Promise<void>;
}

export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

export async function waitForHttp(url: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    try {
      const r = await fetch(url);
      await r.body?.cancel();
      if (r.status < 500) return;
    } catch { /* not up yet */ }
    if (Date.now() > deadline) throw new Error(`${url} did not come up`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Starts docker-registry on 127.0.0.1 with storage in a temp dir. */
export async function startRegistry(): Promise<TestRegistry> {
  const dir = Deno.makeTempDirSync({ prefix: "protect-registry-" });
  const port = freePort();
  const config = join(dir, "config.yml");
  Deno.writeTextFileSync(
    config,
    `version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: ${dir}/data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:${port}
`,
  );
  const process = new Deno.Command("docker-registry", {
    args: ["serve", config],
    stdout: "null",
    stderr: "null",
    stdin: "null",
  }).spawn();
  await waitForHttp(`http://127.0.0.1:${port}/v2/`);
  let stopped: Promise<void> | undefined;
  return {
    host: `127.0.0.1:${port}`,
    // Once, however often it is called (a test may stop it early).
    stop: () =>
      stopped ??= (async () => {
        process.kill("SIGTERM");
        await process.status;
        Deno.removeSync(dir, { recursive: true });
      })(),
  };
}

export const sha256 = (data: Uint8Array) =>
  `sha256:${createHash("sha256").update(data).digest("hex")}`;
const json = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));

/** Uploads a blob in one PUT. */
export async function pushBlob(host: string, repo: string, data: Uint8Array): Promise<string> {
  const digest = sha256(data);
  const start = await fetch(`http://${host}/v2/${repo}/blobs/uploads/`, { method: "POST" });
  await start.body?.cancel();
  if (start.status !== 202) throw new Error(`upload start: ${start.status}`);
  const location = new URL(start.headers.get("location")!, `http://${host}`);
  location.searchParams.set("digest", digest);
  const put = await fetch(location, {
    method: "PUT",
    body: data as Uint8Array<ArrayBuffer>,
    headers: { "content-type": "application/octet-stream" },
  });
  await put.body?.cancel();
  if (put.status !== 201) throw new Error(`upload ${digest}: ${put.status}`);
  return digest;
}

export async function putManifest(
  host: string,
  repo: string,
  tag: string,
  mediaType: string,
  doc: unknown,
): Promise<string> {
  const bytes = json(doc);
  const r = await fetch(`http://${host}/v2/${repo}/manifests/${tag}`, {
    method: "PUT",
    body: bytes,
    headers: { "content-type": mediaType },
  });
  const text = await r.text();
  if (r.status !== 201) throw new Error(`manifest put: ${r.status} ${text}`);
  return sha256(bytes);
}

export interface TestImage {
  layers: Uint8Array[];
  /** config.config fields (Entrypoint, Cmd, Env, ...). */
  config?: Record<string, unknown>;
  architecture?: string;
  /** "oci" (default) or "docker" media types. */
  flavour?: "oci" | "docker";
}

/** Pushes layers, config and manifest; returns the manifest digest and size. */
export async function pushImage(
  host: string,
  repo: string,
  tag: string,
  image: TestImage,
): Promise<{ digest: string; size: number; mediaType: string }> {
  const docker = image.flavour === "docker";
  // diff_ids: digests of the uncompressed layers, as real images carry (umoci checks them).
  const diffIds = await Promise.all(image.layers.map(async (layer) =>
    sha256(
      new Uint8Array(
        await new Response(
          new Blob([layer as Uint8Array<ArrayBuffer>]).stream().pipeThrough(
            new DecompressionStream("gzip"),
          ),
        ).arrayBuffer(),
      ),
    )
  ));
  const config = json({
    architecture: image.architecture ?? "amd64",
    os: "linux",
    config: image.config ?? {},
    rootfs: { type: "layers", diff_ids: diffIds },
  });
  const configDigest = await pushBlob(host, repo, config);
  const layers = [];
  for (const layer of image.layers) {
    layers.push({
      mediaType: docker
        ? "application/vnd.docker.image.rootfs.diff.tar.gzip"
        : "application/vnd.oci.image.layer.v1.tar+gzip",
      digest: await pushBlob(host, repo, layer),
      size: layer.length,
    });
  }
  const mediaType = docker
    ? "application/vnd.docker.distribution.manifest.v2+json"
    : "application/vnd.oci.image.manifest.v1+json";
  const doc = {
    schemaVersion: 2,
    mediaType,
    config: {
      mediaType: docker
        ? "application/vnd.docker.container.image.v1+json"
        : "application/vnd.oci.image.config.v1+json",
      digest: configDigest,
      size: config.length,
    },
    layers,
  };
  const digest = await putManifest(host, repo, tag, mediaType, doc);
  return { digest, size: json(doc).length, mediaType };
}

/** Pushes an OCI index over already-pushed manifests. */
export function pushIndex(
  host: string,
  repo: string,
  tag: string,
  entries: Array<{ digest: string; size: number; mediaType: string; architecture: string }>,
): Promise<string> {
  const mediaType = "application/vnd.oci.image.index.v1+json";
  return putManifest(host, repo, tag, mediaType, {
    schemaVersion: 2,
    mediaType,
    manifests: entries.map((e) => ({
      mediaType: e.mediaType,
      digest: e.digest,
      size: e.size,
      platform: { os: "linux", architecture: e.architecture },
    })),
  });
}
