import { normalize } from "node:path";
import type { ZoneSpec } from "../../proto/mod.ts";
import { InvalidArgumentError } from "../../lib/errors/mod.ts";
import { parseReference } from "../../lib/reference/mod.ts";
import { isInside } from "./zone_shares.ts";

/** Where a zone's kernel and initrd may come from on this host. */
export interface KernelSources {
  /** False for drivers whose zones run on the host's own kernel. */
  hardwareIsolation: boolean;
  driverName: string;
  /** daemon.toml [xen] kernel_dir: host paths must lie inside it. */
  kernelDir: string;
}

/** True when ZoneSpec.kernel names an OCI image (pulled through protect-storage). */
export const isKernelReference = (kernel: string) => kernel !== "" && !kernel.startsWith("/");

/**
 * Checks a zone's kernel and initrd: each empty (the host's defaults), or a regular file
 * inside the kernel directory, by name and once symlinks are resolved; the kernel may also
 * be an OCI reference to a kernel image (its /kernel/initrd, if any, comes with it).
 * Changes nothing.
 */
export function checkZoneKernel(spec: ZoneSpec, sources: KernelSources): void {
  for (const field of ["kernel", "initrd"] as const) {
    const value = spec[field];
    if (value === "") continue;
    if (!sources.hardwareIsolation) {
      throw new InvalidArgumentError(
        `spec.${field}`,
        `the ${sources.driverName} driver's zones run on the host's kernel; a zone ${field} ` +
          "needs the xen driver",
      );
    }
    if (value.startsWith("/")) {
      checkHostFile(`spec.${field}`, value, sources.kernelDir);
    } else if (field === "initrd") {
      throw new InvalidArgumentError(
        "spec.initrd",
        "must be a host path; a kernel image brings its own initrd (/kernel/initrd)",
      );
    } else {
      try {
        parseReference(value, "spec.kernel");
      } catch (e) {
        throw new InvalidArgumentError(
          "spec.kernel",
          `neither a host path (absolute) nor an OCI reference: ${(e as Error).message}`,
        );
      }
    }
  }
}

function checkHostFile(field: string, path: string, dir: string): void {
  if (normalize(path) !== path) throw new InvalidArgumentError(field, "must be a normalised path");
  const outside = () =>
    new InvalidArgumentError(field, `${path} is not inside ${dir} (daemon.toml [xen] kernel_dir)`);
  if (!isInside(path, dir)) throw outside();
  let real: string;
  try {
    real = Deno.realPathSync(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotCapable) {
      throw new InvalidArgumentError(field, `${path} is outside the daemon's read grant`);
    }
    throw new InvalidArgumentError(field, `${path} does not exist`);
  }
  let realDir = dir;
  try {
    realDir = Deno.realPathSync(dir);
  } catch { /* no kernel directory: nothing resolves inside it */ }
  if (!isInside(real, realDir)) throw outside();
  if (!Deno.statSync(real).isFile) throw new InvalidArgumentError(field, `${path} is not a file`);
}
