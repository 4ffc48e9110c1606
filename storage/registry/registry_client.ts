import { createHash } from "node:crypto";
import {
  InvalidArgumentError,
  NotFoundError,
  PermissionDeniedError,
  UnavailableError,
} from "../../lib/errors/mod.ts";
import type { Logger } from "../../lib/log/mod.ts";
import type { BlobSource } from "../blobs/blob_store.ts";
import type { ImageReference } from "../../lib/reference/mod.ts";
import { registryApiHost } from "../../lib/reference/mod.ts";
import { type Challenge, parseChallenge } from "./challenge.ts";
import type { Credential } from "./credentials.ts";
import { MANIFEST_ACCEPT } from "./media_types.ts";
import { readLimited } from "./read_limited.ts";
import { type FetchLimits, timedFetch } from "./timed_fetch.ts";

export interface RegistryOptions {
  /** Hosts (host[:port]) allowed over plain HTTP; loopback always is. */
  insecure: readonly string[];
  /** Per registry name, mirror endpoints tried before it ("host:port" or a URL). */
  mirrors: Readonly<Record<string, readonly string[]>>;
  credentials: ReadonlyMap<string, Credential>;
  log: Logger;
  maxManifestBytes: number;
  /** Deadlines for an answer and for silence inside a body (defaults: 30 s and 60 s). */
  answerTimeoutMs?: number;
  stallTimeoutMs?: number;
}

export interface FetchedManifest {
  bytes: Uint8Array;
  mediaType: string;
  /** sha256 of `bytes`, checked against the requested digest. */
  digest: string;
}

interface Endpoint {
  /** e.g. "https://registry-1.docker.io". */
  base: string;
  /** Key for credentials and the log. */
  host: string;
}

const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$/;
const MAX_REDIRECTS = 5;
const MAX_TOKEN_BYTES = 64 * 1024;

/**
 * OCI distribution client: manifests and blobs, anonymous bearer tokens,
 * basic auth and identity tokens, mirrors, plain HTTP only where allowed.
 */
export class RegistryClient {
  /** Authorization header per (endpoint, repository), learned from challenges. */
  #auth = new Map<string, string>();

  constructor(private readonly options: RegistryOptions) {}

  #endpoint(hostOrUrl: string): Endpoint {
    const url = /^https?:\/\//.test(hostOrUrl) ? new URL(hostOrUrl) : undefined;
    const host = url ? url.host : hostOrUrl;
    const plain = LOOPBACK.test(host) || this.options.insecure.includes(host);
    if (url?.protocol === "http:" && !plain) {
      throw new InvalidArgumentError(
        "mirror",
        `${hostOrUrl} is plain HTTP but ${host} is not listed in registries.insecure`,
      );
    }
    return { base: url ? url.origin : `${plain ? "http" : "https"}://${host}`, host };
  }

  /** Mirrors first, then the registry itself. */
  #endpoints(registry: string): Endpoint[] {
    const mirrors = this.options.mirrors[registry] ?? [];
    return [...mirrors.map((m) => this.#endpoint(m)), this.#endpoint(registryApiHost(registry))];
  }

  #credential(endpoint: Endpoint, override?: Credential): Credential | undefined {
    return override ?? this.options.credentials.get(endpoint.host);
  }

  #limits(signal?: AbortSignal): FetchLimits {
    return {
      answerMs: this.options.answerTimeoutMs ?? 30_000,
      stallMs: this.options.stallTimeoutMs ?? 60_000,
      signal,
    };
  }

  async #token(
    challenge: Challenge,
    scope: string,
    credential?: Credential,
    signal?: AbortSignal,
  ): Promise<string> {
    const { realm, service } = challenge.params;
    if (!realm) throw new UnavailableError("registry sent a Bearer challenge without a realm");
    const url = new URL(realm);
    const init: RequestInit = { headers: {} };
    const headers = init.headers as Record<string, string>;
    if (credential?.identityToken) {
      init.method = "POST";
      init.body = new URLSearchParams({
        grant_type: "refresh_token",
        refresh_token: credential.identityToken,
        service: service ?? "",
        scope,
        client_id: "protect",
      });
    } else {
      if (service) url.searchParams.set("service", service);
      url.searchParams.set("scope", challenge.params.scope ?? scope);
      if (credential?.username !== undefined) {
        headers.authorization = `Basic ${
          btoa(`${credential.username}:${credential.password ?? ""}`)
        }`;
      }
    }
    const response = await timedFetch(url, init, this.#limits(signal));
    if (response.status === 401 || response.status === 403) {
      await response.body?.cancel();
      throw new PermissionDeniedError(`token server ${url.host} refused the credentials`);
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new UnavailableError(`token server ${url.host} answered ${response.status}`);
    }
    const body = JSON.parse(
      new TextDecoder().decode(await readLimited(response, MAX_TOKEN_BYTES, "token")),
    );
    const token = body.token ?? body.access_token;
    if (typeof token !== "string" || token === "") {
      throw new UnavailableError(`token server ${url.host} sent no token`);
    }
    return token;
  }

  /** Fetches without following redirects blindly: credentials never go to another host. */
  async #fetch(
    url: string,
    init: RequestInit,
    authorization?: string,
    signal?: AbortSignal,
  ): Promise<Response> {
    let target = new URL(url);
    const origin = target.origin;
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const headers = new Headers(init.headers);
      if (authorization && target.origin === origin) headers.set("authorization", authorization);
      const response = await timedFetch(
        target,
        { ...init, headers, redirect: "manual" },
        this.#limits(signal),
      );
      const location = response.headers.get("location");
      if (response.status < 300 || response.status >= 400 || !location) return response;
      await response.body?.cancel();
      target = new URL(location, target);
    }
    throw new UnavailableError(`too many redirects fetching ${url}`);
  }

  /** One request to one endpoint, answering an auth challenge once. */
  async #request(
    endpoint: Endpoint,
    ref: ImageReference,
    path: string,
    init: RequestInit,
    override?: Credential,
    signal?: AbortSignal,
  ): Promise<Response> {
    const key = `${endpoint.base}|${ref.repository}`;
    const url = `${endpoint.base}/v2/${ref.repository}/${path}`;
    let response = await this.#fetch(url, init, this.#auth.get(key), signal);
    if (response.status !== 401) return response;
    await response.body?.cancel();
    const challenge = parseChallenge(response.headers.get("www-authenticate"));
    const credential = this.#credential(endpoint, override);
    let authorization: string;
    if (challenge?.scheme === "bearer") {
      const scope = `repository:${ref.repository}:pull`;
      authorization = `Bearer ${await this.#token(challenge, scope, credential, signal)}`;
    } else if (challenge?.scheme === "basic" && credential?.username !== undefined) {
      authorization = `Basic ${btoa(`${credential.username}:${credential.password ?? ""}`)}`;
    } else {
      throw new PermissionDeniedError(
        `${endpoint.host} requires credentials for ${ref.repository} (add them to the credentials file or the pull request)`,
      );
    }
    this.#auth.set(key, authorization);
    response = await this.#fetch(url, init, authorization, signal);
    if (response.status === 401 || response.status === 403) {
      await response.body?.cancel();
      throw new PermissionDeniedError(`${endpoint.host} refused access to ${ref.repository}`);
    }
    return response;
  }

  /** Tries mirrors then the registry; the first that answers 2xx wins. */
  async #firstOk(
    ref: ImageReference,
    path: string,
    init: RequestInit,
    what: string,
    override?: Credential,
    signal?: AbortSignal,
  ): Promise<Response> {
    const failures: string[] = [];
    let notFound = false;
    for (const endpoint of this.#endpoints(ref.registry)) {
      try {
        const response = await this.#request(endpoint, ref, path, init, override, signal);
        if (response.ok) return response;
        await response.body?.cancel();
        if (response.status === 404) notFound = true;
        failures.push(`${endpoint.host}: HTTP ${response.status}`);
      } catch (e) {
        if (e instanceof PermissionDeniedError || signal?.aborted) throw e;
        failures.push(`${endpoint.host}: ${describeFetchFailure(e)}`);
      }
      this.options.log.debug("registry endpoint failed; trying the next", {
        what,
        failure: failures.at(-1),
      });
    }
    if (notFound) throw new NotFoundError(`${what} not found (${failures.join("; ")})`);
    throw new UnavailableError(`cannot fetch ${what}: ${failures.join("; ")}`);
  }

  /** A manifest or index by tag or digest, with its computed digest. */
  async getManifest(
    ref: ImageReference,
    selector: string,
    credential?: Credential,
    signal?: AbortSignal,
  ): Promise<FetchedManifest> {
    // A digest is named with "@", as in a reference; a tag with ":".
    const what = `manifest ${ref.registry}/${ref.repository}${
      selector.includes(":") ? "@" : ":"
    }${selector}`;
    const response = await this.#firstOk(
      ref,
      `manifests/${selector}`,
      { headers: { accept: MANIFEST_ACCEPT } },
      what,
      credential,
      signal,
    );
    const bytes = await readLimited(response, this.options.maxManifestBytes, what);
    const digest = `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
    if (selector.startsWith("sha256:") && digest !== selector) {
      throw new UnavailableError(`${what}: content digest ${digest} does not match`);
    }
    const mediaType = (response.headers.get("content-type") ?? "").split(";")[0].trim();
    return { bytes, mediaType, digest };
  }

  /** A BlobSource for the blob store: Range requests resume interrupted downloads. */
  blobSource(
    ref: ImageReference,
    digest: string,
    credential?: Credential,
    signal?: AbortSignal,
  ): BlobSource {
    return async (offset) => {
      const headers: Record<string, string> = {};
      if (offset > 0) headers.range = `bytes=${offset}-`;
      const response = await this.#firstOk(
        ref,
        `blobs/${digest}`,
        { headers },
        `blob ${digest}`,
        credential,
        signal,
      );
      if (!response.body) throw new UnavailableError(`blob ${digest}: empty response`);
      return { body: response.body, resumed: response.status === 206 };
    };
  }
}

/**
 * Why a request never got an answer, in words an operator can act on: refused, timed
 * out, DNS, TLS, followed by the runtime's own text (with its causes).
 */
export function describeFetchFailure(e: unknown): string {
  const parts: string[] = [];
  for (let c: unknown = e; c instanceof Error && parts.length < 4; c = c.cause) {
    if (!parts.includes(c.message)) parts.push(c.message);
  }
  const text = parts.join(": ") || String(e);
  const kind = /refused/i.test(text)
    ? "connection refused"
    : /timed? ?out|deadline/i.test(text)
    ? "timed out"
    : /dns|resolve|lookup|name or service|no address/i.test(text)
    ? "DNS lookup failed"
    : /tls|certificate|handshake|ssl/i.test(text)
    ? "TLS failed"
    : /reset|broken pipe|closed/i.test(text)
    ? "connection lost"
    : undefined;
  return kind ? `${kind} (${text.slice(0, 300)})` : text.slice(0, 300);
}
