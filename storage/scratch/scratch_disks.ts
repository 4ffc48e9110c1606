import { join } from "node:path";
import { InvalidArgumentError } from "../../lib/errors/mod.ts";
import { createExt4File } from "../ext4/ext4_file.ts";

const OWNER = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$/;
const MAX_MIB = 16 * 1024 * 1024;

/** Sized ext4 images for zones' writable scratch space, one per owner. */
export class ScratchDisks {
  constructor(private readonly dir: string) {
    Deno.mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  #path(owner: string): string {
    if (!OWNER.test(owner)) {
      throw new InvalidArgumentError("owner", "must be 1-128 of [a-zA-Z0-9_.-]");
    }
    return join(this.dir, `${owner}.ext4`);
  }

  /** Creates a sparse file of `sizeMib` and formats it; idempotent for the same owner. */
  async create(owner: string, sizeMib: number): Promise<string> {
    const path = this.#path(owner);
    if (!Number.isInteger(sizeMib) || sizeMib < 8 || sizeMib > MAX_MIB) {
      throw new InvalidArgumentError("size_mib", `must be from 8 to ${MAX_MIB}`);
    }
    try {
      Deno.statSync(path);
      return path;
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
    await createExt4File(path, sizeMib, "scratch");
    return path;
  }

  destroy(owner: string): void {
    try {
      Deno.removeSync(this.#path(owner));
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
  }
}
