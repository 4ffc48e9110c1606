import type { ServiceImpl } from "@connectrpc/connect";
import {
  type AuthConfig,
  type Image as CriImage,
  type ImageService,
} from "../../proto/gen/k8s.io/cri-api/pkg/apis/runtime/v1/api_pb.ts";
import type { Image } from "../../proto/mod.ts";
import { InvalidArgumentError, UnimplementedError } from "../../lib/errors/mod.ts";
import { formatReference, parseReference } from "../../lib/reference/mod.ts";
import type { CriContext } from "../runtime/cri_context.ts";
import { nowNs } from "../runtime/cri_context.ts";

/** `repo@sha256:…`: an image by its content, as kubelet records image refs. */
export const digestRef = (image: Image) =>
  `${image.reference.replace(/(@.*|:[^/:]+)$/, "")}@${image.manifestDigest}`;

function toCri(image: Image): CriImage {
  const tagged = !image.reference.includes("@");
  return {
    $typeName: "runtime.v1.Image",
    id: image.manifestDigest,
    repoTags: tagged ? [image.reference] : [],
    repoDigests: [digestRef(image)],
    size: image.sizeBytes,
    username: "",
    pinned: false,
  };
}

/**
 * The image a CRI reference means: an ID (a digest, or a unique prefix of one's hex), a
 * tag or a digest reference, normalised the Docker way (`busybox` is
 * docker.io/library/busybox:latest).
 */
export function findImage(images: Image[], ref: string): Image | undefined {
  const hex = ref.replace(/^sha256:/, "");
  if (/^[a-f0-9]{6,64}$/.test(hex)) {
    const byId = images.filter((i) => i.manifestDigest.slice(7).startsWith(hex));
    if (byId.length === 1) return byId[0];
  }
  let canonical: string;
  try {
    canonical = formatReference(parseReference(ref, "image"));
  } catch {
    return undefined;
  }
  return images.find((i) => i.reference === canonical || digestRef(i) === canonical);
}

/** Registry credentials from a CRI AuthConfig (user/password, `auth`, identity token). */
export function credentialsOf(
  auth?: AuthConfig,
): { username: string; password: string; identityToken: string } {
  if (auth?.registryToken) {
    throw new UnimplementedError(
      "auth.registry_token: bearer tokens for the registry are not supported yet; give the " +
        "registry's username and password (or identity_token) in the image pull secret instead",
    );
  }
  let username = auth?.username ?? "";
  let password = auth?.password ?? "";
  if (auth?.auth) {
    const decoded = (() => {
      try {
        return atob(auth.auth);
      } catch {
        throw new InvalidArgumentError("auth.auth", "is not base64");
      }
    })();
    const colon = decoded.indexOf(":");
    if (colon < 0) throw new InvalidArgumentError("auth.auth", "is not base64 of user:password");
    username = decoded.slice(0, colon);
    password = decoded.slice(colon + 1);
  }
  return { username, password, identityToken: auth?.identityToken ?? "" };
}

/** ImageService: protect-storage's images, through the daemon. */
export function imageHandlers(ctx: CriContext): Partial<ServiceImpl<typeof ImageService>> {
  const images = async () => (await ctx.daemon.listImages({})).images;
  return {
    async listImages(request) {
      const all = await images();
      const want = request.filter?.image?.image;
      const chosen = want ? all.filter((i) => i === findImage(all, want)) : all;
      return { images: chosen.map(toCri) };
    },

    async imageStatus(request) {
      const ref = request.image?.image ?? "";
      if (ref === "") throw new InvalidArgumentError("image.image", "is required");
      const image = findImage(await images(), ref);
      // No image is an empty answer, not an error: kubelet then pulls.
      if (!image) return { info: {} };
      const info: Record<string, string> = request.verbose
        ? {
          info: JSON.stringify({
            path: image.path,
            format: image.format,
            platform: image.platform,
          }),
        }
        : {};
      return { image: toCri(image), info };
    },

    async pullImage(request) {
      const ref = request.image?.image ?? "";
      if (ref === "") throw new InvalidArgumentError("image.image", "is required");
      const reference = formatReference(parseReference(ref, "image.image"));
      let pulled: Image | undefined;
      for await (const m of ctx.daemon.pullImage({ reference, ...credentialsOf(request.auth) })) {
        pulled = m.image ?? pulled;
      }
      if (!pulled) throw new Error(`pulling ${reference} produced no image`);
      return { imageRef: digestRef(pulled) };
    },

    async removeImage(request) {
      const ref = request.image?.image ?? "";
      if (ref === "") throw new InvalidArgumentError("image.image", "is required");
      const image = findImage(await images(), ref);
      if (image) await ctx.daemon.removeImage({ reference: image.reference });
      return {};
    },

    async imageFsInfo() {
      const all = await images();
      const used = all.reduce((n, i) => n + i.sizeBytes, 0n);
      const usage = {
        timestamp: nowNs(),
        fsId: { mountpoint: "/var/lib/protect/images" },
        usedBytes: { value: used },
        inodesUsed: { value: BigInt(all.length) },
      };
      return { imageFilesystems: [usage], containerFilesystems: [] };
    },
  };
}
