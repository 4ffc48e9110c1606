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

export function startTokenProxy(upstream: string, user: string, password: string): TokenProxy {
  const port = freePort();
  const host = `127.0.0.1:${port}`;
  const tokens = new Set<string>();
  const state: TokenProxy = { host, tokenRequests: 0, stop: () => server.shutdown() };
  const server = Deno.serve({ hostname: "127.0.0.1", port, onListen() {} }, async (request) => {
    const url = new URL(request.url);
    if (url.pathname === "/token") {
      state.tokenRequests++;
      if (request.headers.get("authorization") !== `Basic ${btoa(`${user}:${password}`)}`) {
        return new Response("bad credentials", { status: 401 });
      }
      const token = crypto.randomUUID();
      tokens.add(token);
      return Response.json({ token, expires_in: 300 });
    }
    const auth = request.headers.get("authorization") ?? "";
    if (!tokens.has(auth.replace(/^Bearer /, ""))) {
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
