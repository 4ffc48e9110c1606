import Table from "cli-table3";
import { stringify } from "yaml";

export const OUTPUT_FORMATS = ["table", "json", "yaml", "jsonl"] as const;
export type OutputFormat = typeof OUTPUT_FORMATS[number];

/** A column of a table view: header and how to read the cell from a row. */
export interface Column<T> {
  header: string;
  cell: (row: T) => string;
}

/** Borderless, left-aligned columns, like kubectl and podman. */
function renderTable<T>(rows: T[], columns: Column<T>[]): string {
  const table = new Table({
    head: columns.map((c) => c.header),
    chars: {
      "top": "",
      "top-mid": "",
      "top-left": "",
      "top-right": "",
      "bottom": "",
      "bottom-mid": "",
      "bottom-left": "",
      "bottom-right": "",
      "left": "",
      "left-mid": "",
      "mid": "",
      "mid-mid": "",
      "right": "",
      "right-mid": "",
      "middle": "  ",
    },
    style: { head: [], border: [], "padding-left": 0, "padding-right": 0 },
  });
  for (const row of rows) table.push(columns.map((c) => c.cell(row)));
  return table.toString().split("\n").map((l) => l.trimEnd()).join("\n");
}

/**
 * Renders records: `json` as one document (an array when `many`), `jsonl` one
 * compact object a line, `yaml`, or a table of `columns`.
 */
export function render<T>(
  format: OutputFormat,
  rows: T[],
  toJson: (row: T) => unknown,
  columns: Column<T>[],
  many = true,
): string {
  const docs = rows.map(toJson);
  switch (format) {
    case "json":
      return JSON.stringify(many ? docs : docs[0], null, 2);
    case "jsonl":
      return docs.map((d) => JSON.stringify(d)).join("\n");
    case "yaml":
      return stringify(many ? docs : docs[0]).trimEnd();
    case "table":
      return renderTable(rows, columns);
  }
}
