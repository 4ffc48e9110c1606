/**
 * A token-auth front for the test registry: it answers 401 with a Bearer
 * challenge, hands out tokens at /token for the right basic credentials, and
 * forwards authorised requests to the registry.
 */
import { freePort } from "./registry.ts";

export interface TokenProxy {
  host: string;
  /** Token requests seen (to prove the flow ran). */
  tokenRequests: number;
  stop(): Promise<void>;
}

export interface TokenProxyOptions {
  /** "bearer" (default): token flow; "basic": plain basic auth on every request. */
  scheme?: "bearer" | "basic";
  /** An OAuth2 refresh token the token endpoint also accepts (docker identity tokens). */
  identityToken?: string;
}

export function startTokenProxy(
  upstream: string,
  user: string,
  password: string,
  options: TokenProxyOptions = {},
): TokenProxy {
  const basic = `Basic ${btoa(`${user}:${password}`)}`;
  const port = freePort();
  const host = `127.0.0.1:${port}`;
  const tokens = new Set<string>();
  const state: TokenProxy = { host, tokenRequests: 0, stop: () => server.shutdown() };
  const server = Deno.serve({ hostname: "127.0.0.1", port, onListen() {} }, async (request) => {
    const url = new URL(request.url);
    if (url.pathname === "/token") {
      state.tokenRequests++;
      const form = request.method === "POST"
        ? new URLSearchParams(await request.text())
        : undefined;
      const byIdentity = options.identityToken !== undefined &&
        form?.get("grant_type") === "refresh_token" &&
        form.get("refresh_token") === options.identityToken;
      if (!byIdentity && request.headers.get("authorization") !== basic) {
        return new Response("bad credentials", { status: 401 });
      }
      const token = crypto.randomUUID();
      tokens.add(token);
      return Response.json({ token, expires_in: 300 });
    }
    const auth = request.headers.get("authorization") ?? "";
    if (options.scheme === "basic") {
      if (auth !== basic) {
        return new Response("auth required", {
          status: 401,
          headers: { "www-authenticate": 'Basic realm="protect-test"' },
        });
      }
    } else if (!tokens.has(auth.replace(/^Bearer /, ""))) {
      const repo = /^\/v2\/(.+)\/(manifests|blobs)\//.exec(url.pathname)?.[1] ?? "";
      return new Response("auth required", {
        status: 401,
        headers: {
          "www-authenticate":
            `Bearer realm="http://${host}/token",service="protect-test",scope="repository:${repo}:pull"`,
        },
      });
    }
    const headers = new Headers(request.headers);
    headers.delete("authorization");
    const forwarded = await fetch(`http://${upstream}${url.pathname}${url.search}`, {
      method: request.method,
      headers,
      redirect: "manual",
    });
    return new Response(forwarded.body, { status: forwarded.status, headers: forwarded.headers });
  });
  return state;
}
