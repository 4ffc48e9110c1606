import type { WorkloadProcess } from "../../proto/mod.ts";
import { InvalidArgumentError, quoted } from "../../lib/errors/mod.ts";

/** Words of the command (entrypoint + args), and environment entries. */
const MAX_WORDS = 4096;
/**
 * Command and environment in all. They travel to the zone in one IDM message (frames are at
 * most 1 MiB), and Linux takes about 2 MiB of arguments and environment together.
 */
const MAX_PROCESS_BYTES = 256 * 1024;
/** Environment names as Kubernetes takes them: letters, digits, _ . -, not a digit first. */
const ENV_NAME = /^[A-Za-z_.-][A-Za-z0-9_.-]*$/;
/** A user or group: a number below 2^31 or a name (as useradd takes them). */
const ID_PART = /^(\d{1,10}|[a-z_][a-z0-9_.-]{0,31}\$?)$/i;
const MAX_ID = 2 ** 31 - 1;

/**
 * The process fields the runtime takes as given: refused here, with the field and the
 * reason, rather than failing later inside runc with its text.
 */
export function validateProcess(p: WorkloadProcess): void {
  let bytes = 0;
  const words = (list: string[], field: string) => {
    if (list.length > MAX_WORDS) throw new InvalidArgumentError(field, `more than ${MAX_WORDS}`);
    list.forEach((word, i) => {
      if (word.includes("\0")) throw new InvalidArgumentError(`${field}[${i}]`, "holds a NUL byte");
      bytes += word.length + 1;
    });
  };
  words(p.entrypoint, "spec.process.entrypoint");
  words(p.args, "spec.process.args");
  words(p.env, "spec.process.env");
  if (bytes > MAX_PROCESS_BYTES) {
    throw new InvalidArgumentError(
      "spec.process",
      `command and environment are ${bytes} bytes; at most ${MAX_PROCESS_BYTES} in all`,
    );
  }
  p.env.forEach((entry, i) => {
    const name = entry.split("=", 1)[0];
    if (!entry.includes("=") || !ENV_NAME.test(name)) {
      throw new InvalidArgumentError(
        `spec.process.env[${i}]`,
        `${quoted(entry)} is not NAME=value (a name of letters, digits and _ . -)`,
      );
    }
  });
  const cwd = p.workingDirectory;
  if (cwd !== "" && (!cwd.startsWith("/") || cwd.length > 4096 || cwd.includes("\0"))) {
    throw new InvalidArgumentError(
      "spec.process.working_directory",
      `${quoted(cwd)} is not an absolute path`,
    );
  }
  if (p.user !== "") {
    const parts = p.user.split(":");
    const bad = parts.length > 2 ||
      parts.some((part) => !ID_PART.test(part) || (/^\d+$/.test(part) && Number(part) > MAX_ID));
    if (bad) {
      throw new InvalidArgumentError(
        "spec.process.user",
        `${quoted(p.user)} is not user[:group] (names, or numbers up to ${MAX_ID})`,
      );
    }
  }
}
