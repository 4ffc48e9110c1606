import { ConsoleTty, type XenStore } from "../../../xen/mod.ts";
import { UnavailableError } from "../../../lib/errors/mod.ts";
import { followFile } from "../follow_file.ts";
import type { ConsoleInput } from "../driver.ts";
import { consoleNamePath } from "./xenstore_paths.ts";

/**
 * A domain's console as xenconsoled logs it (kernel messages and the agent's log). The log
 * is named after the domain as xenconsoled first saw it: a claimed pool zone was renamed
 * since, so the name kept at creation (consoleNamePath) comes first.
 */
export function followZoneConsole(
  xs: XenStore,
  domid: number,
  logDir: string,
  replay: boolean,
  follow: boolean,
  signal: AbortSignal,
): AsyncGenerator<Uint8Array> {
  const name = xs.read(consoleNamePath(domid)) ?? xs.read(`/local/domain/${domid}/name`) ?? "";
  return followFile(`${logDir}/guest-${name}.log`, replay, follow, signal);
}

/** xenconsoled's pty for the domain, as `xl console` writes to it. */
export function zoneConsoleInput(xs: XenStore, domid: number): ConsoleInput {
  const tty = xs.read(`/local/domain/${domid}/console/tty`);
  if (!tty) throw new UnavailableError(`xenconsoled has no console pty for domain ${domid} yet`);
  return new ConsoleTty(tty);
}
