/**
 * resolv.conf entries a zone may be given (Kubernetes' pod dns_config): each checked so
 * nothing can smuggle a line into the file. Shared by the daemon (which refuses a bad
 * spec) and the zone agent (which refuses a bad bootstrap); no node: imports.
 */
export const MAX_DNS_SERVERS = 3;
export const MAX_DNS_SEARCHES = 32;
export const MAX_DNS_OPTIONS = 32;

/** A search domain: dot-separated labels, 253 characters at most. */
const SEARCH =
  /^(?=.{1,253}$)[a-zA-Z0-9_]([a-zA-Z0-9_-]{0,61}[a-zA-Z0-9_])?(\.[a-zA-Z0-9_]([a-zA-Z0-9_-]{0,61}[a-zA-Z0-9_])?)*\.?$/;
/** A resolver option: `name` or `name:value`, e.g. ndots:5, edns0, timeout:2. */
const OPTION = /^[a-z][a-z0-9_-]{0,31}(:[0-9]{1,5})?$/;

/** Why `searches`/`options` cannot go into resolv.conf, or undefined when they can. */
export function dnsListProblem(searches: string[], options: string[]): string | undefined {
  if (searches.length > MAX_DNS_SEARCHES) return `more than ${MAX_DNS_SEARCHES} search domains`;
  if (options.length > MAX_DNS_OPTIONS) return `more than ${MAX_DNS_OPTIONS} options`;
  const badSearch = searches.findIndex((s) => !SEARCH.test(s));
  if (badSearch >= 0) {
    return `searches[${badSearch}] "${searches[badSearch].slice(0, 80)}" is not a domain`;
  }
  const badOption = options.findIndex((o) => !OPTION.test(o));
  if (badOption >= 0) {
    return `options[${badOption}] "${options[badOption].slice(0, 40)}" is not name[:n]`;
  }
  return undefined;
}

/** The file's text: nameserver lines, then search and options lines when given. */
export function resolvConfText(servers: string[], searches: string[], options: string[]): string {
  return [
    ...servers.map((s) => `nameserver ${s}\n`),
    ...(searches.length ? [`search ${searches.join(" ")}\n`] : []),
    ...(options.length ? [`options ${options.join(" ")}\n`] : []),
  ].join("");
}
