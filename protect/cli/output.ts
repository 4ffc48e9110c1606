export const OUTPUT_FORMATS = ["table", "json", "yaml", "jsonl"] as const;
export type OutputFormat = typeof OUTPUT_FORMATS[number];

/** A column of a table view: header and how to read the cell from a row. */
export interface Column<T> {
  header: string;
  cell: (row: T) => string;
}

/** Borderless, left-aligned columns, like kubectl and podman. */
export function renderTable<T>(rows: T[], columns: Column<T>[]): string {
  const cells = [columns.map((c) => c.header), ...rows.map((r) => columns.map((c) => c.cell(r)))];
  const widths = columns.map((_, i) => Math.max(...cells.map((line) => line[i].length)));
  return cells
    .map((line) => line.map((cell, i) => cell.padEnd(widths[i])).join("  ").trimEnd())
    .join("\n");
}

/**
 * Renders records: `json` as one document (an array when `many`), `jsonl` one
 * compact object a line, `yaml`, or a table of `columns`.
 */
export async function render<T>(
  format: OutputFormat,
  rows: T[],
  toJson: (row: T) => unknown,
  columns: Column<T>[],
  many = true,
): Promise<string> {
  const docs = rows.map(toJson);
  switch (format) {
    case "json":
      return JSON.stringify(many ? docs : docs[0], null, 2);
    case "jsonl":
      return docs.map((d) => JSON.stringify(d)).join("\n");
    case "yaml": {
      // Loaded only when asked for: it is the CLI's largest dependency.
      const { stringify } = await import("yaml");
      return stringify(many ? docs : docs[0]).trimEnd();
    }
    case "table":
      return renderTable(rows, columns);
  }
}
