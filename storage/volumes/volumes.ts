import { join } from "node:path";
import {
  AlreadyExistsError,
  FailedPreconditionError,
  InvalidArgumentError,
  NotFoundError,
} from "../../lib/errors/mod.ts";
import { runTool, ToolError } from "../../lib/tools/mod.ts";
import { checkVolumeName } from "../../lib/volumes/mod.ts";
import { createExt4File } from "../ext4/ext4_file.ts";

const MIN_MIB = 8;
const MAX_MIB = 16 * 1024 * 1024;
/** Block devices are named by their /dev path; nothing else is handed to mkfs. */
const DEVICE = /^\/dev\/[a-zA-Z0-9_.\/-]{1,200}$/;

/** What protect-storage records of a volume (`<name>.json` beside its file). */
export interface VolumeRecord {
  name: string;
  /** The sparse ext4 file, or the block device. */
  path: string;
  sizeBytes: number;
  blockDevice: boolean;
  createdAt: string;
}

/** How a volume's block device is probed and formatted (a seam for tests). */
export interface DeviceTools {
  /** Size in bytes; throws when `path` is not a block device. */
  size(path: string): Promise<number>;
  /** The file system type on it, "" when none is found. */
  fsType(path: string): Promise<string>;
  formatExt4(path: string, label: string): Promise<void>;
}

export const systemDeviceTools: DeviceTools = {
  async size(path) {
    return Number((await runTool("blockdev", ["--getsize64", path])).trim());
  },
  async fsType(path) {
    try {
      return (await runTool("blkid", ["-p", "-o", "value", "-s", "TYPE", path])).trim();
    } catch (e) {
      // blkid's exit 2 is "nothing found": an empty device.
      if (e instanceof ToolError && / \(exit 2\)/.test(e.message)) return "";
      throw e;
    }
  },
  async formatExt4(path, label) {
    await runTool("mkfs.ext4", ["-q", "-E", "root_owner=0:0", "-L", label, path]);
  },
};

/**
 * Named ext4 volumes that outlive zones: sparse files in `dir`, or block devices the
 * operator names. Which zone uses a volume is the daemon's business, not this one's.
 */
export class Volumes {
  /** Names being created, so two creates of one name cannot race. */
  #creating = new Set<string>();

  constructor(private readonly dir: string, private readonly tools = systemDeviceTools) {
    Deno.mkdirSync(dir, { recursive: true, mode: 0o700 });
    // A create or remove that crashed half-way left a file with no record: never a volume.
    for (const entry of Deno.readDirSync(dir)) {
      const stray = entry.name.endsWith(".partial") ||
        (entry.name.endsWith(".ext4") && !this.find(entry.name.slice(0, -5)));
      if (stray) Deno.removeSync(join(dir, entry.name));
    }
  }

  #record(name: string): string {
    return join(this.dir, `${name}.json`);
  }

  async create(name: string, sizeMib: number, device = ""): Promise<VolumeRecord> {
    checkVolumeName(name, "name");
    if (device && sizeMib !== 0) {
      throw new InvalidArgumentError("size_mib", "must be 0 with a device (its size is its own)");
    }
    if (!device && (!Number.isInteger(sizeMib) || sizeMib < MIN_MIB || sizeMib > MAX_MIB)) {
      throw new InvalidArgumentError("size_mib", `must be from ${MIN_MIB} to ${MAX_MIB}`);
    }
    if (device && !DEVICE.test(device)) {
      throw new InvalidArgumentError("device", `"${device.slice(0, 70)}" must be a /dev path`);
    }
    if (this.#creating.has(name) || this.find(name)) {
      throw new AlreadyExistsError(`volume ${name} exists already`);
    }
    this.#creating.add(name);
    try {
      const record = device ? await this.#adopt(name, device) : await this.#makeFile(name, sizeMib);
      const partial = `${this.#record(name)}.partial`;
      Deno.writeTextFileSync(partial, JSON.stringify(record), { mode: 0o600 });
      Deno.renameSync(partial, this.#record(name));
      return record;
    } finally {
      this.#creating.delete(name);
    }
  }

  async #makeFile(name: string, sizeMib: number): Promise<VolumeRecord> {
    const path = join(this.dir, `${name}.ext4`);
    await createExt4File(path, sizeMib, name.slice(0, 16));
    return {
      name,
      path,
      sizeBytes: sizeMib * 1024 * 1024,
      blockDevice: false,
      createdAt: new Date().toISOString(),
    };
  }

  async #adopt(name: string, device: string): Promise<VolumeRecord> {
    const inUse = this.list().find((v) => v.path === device);
    if (inUse) throw new AlreadyExistsError(`${device} is volume ${inUse.name} already`);
    let sizeBytes: number;
    try {
      sizeBytes = await this.tools.size(device);
    } catch (e) {
      throw new InvalidArgumentError(
        "device",
        `${device} is not a usable block device: ${tail(e)}`,
      );
    }
    const type = await this.tools.fsType(device);
    if (type === "") await this.tools.formatExt4(device, name.slice(0, 16));
    else if (type !== "ext4") {
      // Never format over someone's data.
      throw new FailedPreconditionError(
        `${device} holds a ${type.slice(0, 20)} file system; a volume must be ext4 or empty ` +
          `(wipe it yourself if its data can go)`,
      );
    }
    return {
      name,
      path: device,
      sizeBytes,
      blockDevice: true,
      createdAt: new Date().toISOString(),
    };
  }

  find(name: string): VolumeRecord | undefined {
    try {
      return JSON.parse(Deno.readTextFileSync(this.#record(name))) as VolumeRecord;
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return undefined;
      throw e;
    }
  }

  get(name: string): VolumeRecord {
    checkVolumeName(name, "name");
    const record = this.find(name);
    if (!record) throw new NotFoundError(`volume ${name} does not exist`);
    return record;
  }

  list(): VolumeRecord[] {
    const names: string[] = [];
    for (const entry of Deno.readDirSync(this.dir)) {
      if (entry.isFile && entry.name.endsWith(".json")) names.push(entry.name.slice(0, -5));
    }
    return names.sort().flatMap((n) => this.find(n) ?? []);
  }

  /** Forgets the volume and deletes its file; a block device is left as it is. */
  remove(name: string): void {
    const record = this.get(name);
    // The record goes first: a crash between the two leaves a stray file, never a volume without data.
    Deno.removeSync(this.#record(name));
    if (!record.blockDevice) {
      try {
        Deno.removeSync(record.path);
      } catch (e) {
        if (!(e instanceof Deno.errors.NotFound)) throw e;
      }
    }
  }
}

function tail(e: unknown): string {
  return (e instanceof ToolError ? e.stderr.trim() || e.message : String(e)).slice(0, 200);
}
