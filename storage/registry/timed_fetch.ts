import { DeadlineExceededError } from "../../lib/errors/mod.ts";

/** How long a registry may keep us waiting. */
export interface FetchLimits {
  /** From the request to the response's headers. */
  answerMs: number;
  /** Between two pieces of a response body (a download may be long, never silent). */
  stallMs: number;
  /** The caller's: aborts the request and its body (the client went away). */
  signal?: AbortSignal;
}

/**
 * fetch with deadlines: a registry that accepts the connection and never answers, or stops
 * sending in the middle of a blob, fails the request with the reason instead of holding the
 * pull (and its client) forever.
 */
export async function timedFetch(
  url: URL,
  init: RequestInit,
  limits: FetchLimits,
): Promise<Response> {
  const deadline = new AbortController();
  const signal = limits.signal
    ? AbortSignal.any([deadline.signal, limits.signal])
    : deadline.signal;
  const expire = (what: string) => deadline.abort(new DeadlineExceededError(`${url.host} ${what}`));
  const timer = setTimeout(
    () => expire(`did not answer within ${limits.answerMs / 1000} s`),
    limits.answerMs,
  );
  let response: Response;
  try {
    response = await fetch(url, { ...init, signal });
  } catch (e) {
    throw signal.aborted ? signal.reason : e;
  } finally {
    clearTimeout(timer);
  }
  if (!response.body) return response;
  const reader = response.body.getReader();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const stall = setTimeout(
        () => expire(`sent nothing for ${limits.stallMs / 1000} s`),
        limits.stallMs,
      );
      try {
        const { done, value } = await reader.read();
        if (done) controller.close();
        else controller.enqueue(value);
      } catch (e) {
        controller.error(signal.aborted ? signal.reason : e);
      } finally {
        clearTimeout(stall);
      }
    },
    cancel: (reason) => reader.cancel(reason),
  });
  return new Response(body, { status: response.status, headers: response.headers });
}
