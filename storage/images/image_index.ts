import type { DatabaseSync } from "node:sqlite";
import { inTransaction, openDatabase, Statements } from "../../lib/sqlite/mod.ts";
import { NotFoundError } from "../../lib/errors/mod.ts";
import type { RuntimeConfig } from "../registry/manifest.ts";
import type { PackFormatName } from "../pack/packer.ts";

const MIGRATIONS = [
  `CREATE TABLE manifests (
     digest TEXT PRIMARY KEY,
     config_digest TEXT NOT NULL,
     platform TEXT NOT NULL,
     runtime_config TEXT NOT NULL
   );
   CREATE TABLE manifest_blobs (
     manifest_digest TEXT NOT NULL REFERENCES manifests(digest) ON DELETE CASCADE,
     blob_digest TEXT NOT NULL,
     PRIMARY KEY (manifest_digest, blob_digest)
   );
   CREATE TABLE images (
     reference TEXT PRIMARY KEY,
     manifest_digest TEXT NOT NULL REFERENCES manifests(digest),
     created_at TEXT NOT NULL
   );
   CREATE TABLE packs (
     manifest_digest TEXT NOT NULL REFERENCES manifests(digest) ON DELETE CASCADE,
     format TEXT NOT NULL,
     path TEXT NOT NULL,
     size INTEGER NOT NULL,
     PRIMARY KEY (manifest_digest, format)
   );`,
];

export interface ManifestRecord {
  digest: string;
  configDigest: string;
  platform: string;
  runtimeConfig: RuntimeConfig;
  /** Every blob the manifest needs: itself, its config, its layers. */
  blobs: string[];
}

export interface PackRecord {
  manifestDigest: string;
  format: PackFormatName;
  path: string;
  size: number;
}

export interface ImageRecord {
  reference: string;
  manifest: ManifestRecord;
  packs: PackRecord[];
  createdAt: Date;
}

/** name → manifest digest → packed files, in SQLite next to the blobs. */
export class ImageIndex {
  readonly db: DatabaseSync;
  readonly #sql: Statements;

  constructor(path: string) {
    this.db = openDatabase(path, MIGRATIONS);
    this.#sql = new Statements(this.db);
  }

  recordManifest(m: ManifestRecord): void {
    inTransaction(this.db, () => {
      this.#sql.get(
        `INSERT INTO manifests (digest, config_digest, platform, runtime_config) VALUES (?, ?, ?, ?)
         ON CONFLICT(digest) DO NOTHING`,
      ).run(m.digest, m.configDigest, m.platform, JSON.stringify(m.runtimeConfig));
      for (const blob of m.blobs) {
        this.#sql.get(
          "INSERT OR IGNORE INTO manifest_blobs (manifest_digest, blob_digest) VALUES (?, ?)",
        ).run(m.digest, blob);
      }
    });
  }

  recordPack(p: PackRecord): void {
    this.#sql.get(
      "INSERT OR REPLACE INTO packs (manifest_digest, format, path, size) VALUES (?, ?, ?, ?)",
    ).run(p.manifestDigest, p.format, p.path, p.size);
  }

  /** Points `reference` at a manifest (re-pulling a tag moves it). */
  recordImage(reference: string, manifestDigest: string): void {
    this.#sql.get(
      `INSERT INTO images (reference, manifest_digest, created_at) VALUES (?, ?, ?)
       ON CONFLICT(reference) DO UPDATE SET manifest_digest = excluded.manifest_digest,
         created_at = excluded.created_at`,
    ).run(reference, manifestDigest, new Date().toISOString());
  }

  pack(manifestDigest: string, format: PackFormatName): PackRecord | undefined {
    const row = this.#sql.get("SELECT * FROM packs WHERE manifest_digest = ? AND format = ?")
      .get(manifestDigest, format) as Record<string, string | number> | undefined;
    return row && toPack(row);
  }

  #manifest(digest: string): ManifestRecord {
    const row = this.#sql.get("SELECT * FROM manifests WHERE digest = ?").get(digest) as Record<
      string,
      string
    >;
    const blobs = (this.#sql.get("SELECT blob_digest FROM manifest_blobs WHERE manifest_digest = ?")
      .all(digest) as Array<{ blob_digest: string }>).map((r) => r.blob_digest);
    return {
      digest,
      configDigest: row.config_digest,
      platform: row.platform,
      runtimeConfig: JSON.parse(row.runtime_config),
      blobs,
    };
  }

  #image(row: Record<string, string>): ImageRecord {
    const packs = (this.#sql.get("SELECT * FROM packs WHERE manifest_digest = ?")
      .all(row.manifest_digest) as Array<Record<string, string | number>>).map(toPack);
    return {
      reference: row.reference,
      manifest: this.#manifest(row.manifest_digest),
      packs,
      createdAt: new Date(row.created_at),
    };
  }

  find(reference: string): ImageRecord | undefined {
    const row = this.#sql.get("SELECT * FROM images WHERE reference = ?").get(reference) as
      | Record<string, string>
      | undefined;
    return row && this.#image(row);
  }

  get(reference: string): ImageRecord {
    const image = this.find(reference);
    if (!image) throw new NotFoundError(`image ${reference} is not in the local store`);
    return image;
  }

  list(): ImageRecord[] {
    return (this.#sql.get("SELECT * FROM images ORDER BY reference").all() as Array<
      Record<string, string>
    >)
      .map((r) => this.#image(r));
  }

  /**
   * Drops a reference. Returns the pack files no longer used by any reference
   * (the caller deletes them); their manifest rows go too.
   */
  removeImage(reference: string): PackRecord[] {
    return inTransaction(this.db, () => {
      const image = this.get(reference);
      this.#sql.get("DELETE FROM images WHERE reference = ?").run(reference);
      const still = this.#sql.get("SELECT count(*) AS n FROM images WHERE manifest_digest = ?")
        .get(image.manifest.digest) as { n: number };
      if (still.n > 0) return [];
      this.#sql.get("DELETE FROM manifests WHERE digest = ?").run(image.manifest.digest);
      return image.packs;
    });
  }

  /** Blobs some recorded manifest still needs (garbage collection keeps these). */
  referencedBlobs(): Set<string> {
    const rows = this.#sql.get("SELECT DISTINCT blob_digest FROM manifest_blobs").all() as Array<
      { blob_digest: string }
    >;
    return new Set(rows.map((r) => r.blob_digest));
  }
}

function toPack(row: Record<string, string | number>): PackRecord {
  return {
    manifestDigest: String(row.manifest_digest),
    format: row.format as PackFormatName,
    path: String(row.path),
    size: Number(row.size),
  };
}
