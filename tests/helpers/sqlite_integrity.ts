import { DatabaseSync } from "node:sqlite";

/** What `PRAGMA integrity_check` says of each database that is not "ok", by file. */
export function integrityProblems(files: string[]): Record<string, string[]> {
  const problems: Record<string, string[]> = {};
  for (const file of files) {
    const db = new DatabaseSync(file, { readOnly: true });
    try {
      const rows = db.prepare("PRAGMA integrity_check").all().map((r) => String(r.integrity_check));
      if (rows.join() !== "ok") problems[file] = rows;
    } finally {
      db.close();
    }
  }
  return problems;
}
