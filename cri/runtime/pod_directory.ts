import { join } from "node:path";
import type { PodSandboxConfig } from "../../proto/gen/k8s.io/cri-api/pkg/apis/runtime/v1/api_pb.ts";
import { InvalidArgumentError } from "../../lib/errors/mod.ts";

/**
 * kubelet's directory for the pod (`<pods dir>/<uid>`), if kubelet made one: kubelet creates
 * it, with the pod's volumes, before it asks for the sandbox. A pod run by hand (crictl)
 * has none, and its zone shares nothing.
 */
export function podDirectory(podsDir: string, config: PodSandboxConfig): string | undefined {
  const uid = config.metadata?.uid ?? "";
  if (uid === "" || uid === "." || uid === ".." || /[/\0]/.test(uid) || uid.length > 253) {
    throw new InvalidArgumentError("config.metadata.uid", "must be one path segment");
  }
  const dir = join(podsDir, uid);
  try {
    return Deno.statSync(dir).isDirectory ? dir : undefined;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
}
