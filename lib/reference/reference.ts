import { InvalidArgumentError } from "../errors/mod.ts";

/** A parsed, normalised image reference. */
export interface ImageReference {
  /** Registry host[:port] as written (docker.io for Docker Hub). */
  registry: string;
  /** e.g. "library/busybox". */
  repository: string;
  tag?: string;
  /** "sha256:<64 hex>". */
  digest?: string;
}

const DOCKER_HUB = "docker.io";
const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;
const HOST =
  /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]{1,5})?$|^\[[0-9a-fA-F:]+\](?::[0-9]{1,5})?$/;

/**
 * Parses `busybox`, `library/busybox:1.36`, `127.0.0.1:5000/x/y@sha256:…`
 * the way Docker does: the first component is a registry only if it has a
 * dot or a port or is `localhost`; Docker Hub names get `library/`.
 */
export function parseReference(text: string, field = "reference"): ImageReference {
  if (text === "" || text.length > 1024) {
    throw new InvalidArgumentError(field, "must be 1-1024 characters");
  }
  let rest = text;
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) {
      throw new InvalidArgumentError(field, `"${digest}" is not a sha256 digest (sha256:<64 hex>)`);
    }
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf("/");
  const colon = rest.lastIndexOf(":");
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw new InvalidArgumentError(field, `"${tag}" is not a valid tag`);
  }
  const parts = rest.split("/");
  let registry = DOCKER_HUB;
  if (parts.length > 1 && (/[.:]/.test(parts[0]) || parts[0] === "localhost")) {
    registry = parts.shift()!;
    if (!HOST.test(registry)) {
      throw new InvalidArgumentError(field, `"${registry}" is not a registry host[:port]`);
    }
  }
  if (registry === "index.docker.io" || registry === "registry-1.docker.io") registry = DOCKER_HUB;
  if (registry === DOCKER_HUB && parts.length === 1) parts.unshift("library");
  for (const part of parts) {
    if (!COMPONENT.test(part)) {
      throw new InvalidArgumentError(
        field,
        `repository component "${part}" must be lowercase letters and digits, separated by . _ __ or -`,
      );
    }
  }
  const repository = parts.join("/");
  if (repository.length > 255) throw new InvalidArgumentError(field, "repository name too long");
  if (!tag && !digest) tag = "latest";
  return { registry, repository, tag, digest };
}

/** `registry/repository[:tag][@digest]`, the form stored and shown. */
export function formatReference(ref: ImageReference): string {
  return `${ref.registry}/${ref.repository}${ref.tag ? `:${ref.tag}` : ""}${
    ref.digest ? `@${ref.digest}` : ""
  }`;
}

/** The tag or digest to ask the registry for (digest wins). */
export function manifestSelector(ref: ImageReference): string {
  return ref.digest ?? ref.tag ?? "latest";
}

/** Host to contact for a registry name (Docker Hub's API lives elsewhere). */
export function registryApiHost(registry: string): string {
  return registry === DOCKER_HUB ? "registry-1.docker.io" : registry;
}
