import { InvalidArgumentError } from "../errors/errors.ts"; // not mod.ts: the zone bundle has no Connect

/** A volume's name: also its file name on the host and its mount directory in a zone. */
export const VOLUME_NAME = /^[a-z0-9][a-z0-9_.-]{0,62}$/;

/** Throws InvalidArgumentError naming `field` unless `name` is a volume name. */
export function checkVolumeName(name: string, field: string): void {
  if (!VOLUME_NAME.test(name)) {
    throw new InvalidArgumentError(
      field,
      `"${name.slice(0, 70)}" must be 1-63 of [a-z0-9_.-], starting with a letter or digit`,
    );
  }
}
