/** One metric family: its samples share a name, help text and type. */
export interface MetricFamily {
  /** e.g. "protect_zone_memory_current_bytes" ([a-zA-Z_:][a-zA-Z0-9_:]*). */
  name: string;
  help: string;
  type: "gauge" | "counter" | "histogram";
  samples: Sample[];
}

export interface Sample {
  /** Defaults to the family's name; a histogram's samples name _bucket, _sum and _count. */
  name?: string;
  labels: Record<string, string>;
  value: number;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

// Escapes as the text exposition format 0.0.4 says: help text \ and newline; label values
// also the double quote.
const escapeHelp = (s: string) => s.replaceAll("\\", "\\\\").replaceAll("\n", "\\n");
const escapeLabel = (s: string) => escapeHelp(s).replaceAll('"', '\\"');

function formatValue(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  return String(v);
}

/**
 * The Prometheus text exposition format (version 0.0.4) of `families`: HELP and TYPE once
 * per family, then its samples. A bad metric or label name is a bug here, so it throws.
 */
export function prometheusText(families: readonly MetricFamily[]): string {
  const lines: string[] = [];
  for (const f of families) {
    if (!NAME.test(f.name)) throw new Error(`bad metric name ${f.name}`);
    lines.push(`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.type}`);
    for (const s of f.samples) {
      const name = s.name ?? f.name;
      if (!NAME.test(name) || !name.startsWith(f.name)) throw new Error(`bad sample name ${name}`);
      const labels = Object.entries(s.labels).map(([k, v]) => {
        if (!LABEL.test(k)) throw new Error(`bad label name ${k}`);
        return `${k}="${escapeLabel(v)}"`;
      });
      lines.push(`${name}${labels.length ? `{${labels.join(",")}}` : ""} ${formatValue(s.value)}`);
    }
  }
  return lines.join("\n") + "\n";
}

/** Prometheus' content type for the text format. */
export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
