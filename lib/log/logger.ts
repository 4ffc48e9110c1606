/** Log levels, most verbose first. */
export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
export type LogLevel = typeof LOG_LEVELS[number];

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger whose lines carry `component` plus these fields. */
  with(fields: LogFields): Logger;
}

export interface LoggerOptions {
  level?: LogLevel;
  /** Where finished lines go; stderr by default. */
  sink?: (line: string) => void;
  /** Clock, for tests. */
  now?: () => Date;
}

const encoder = new TextEncoder();
const stderrSink = (line: string) => Deno.stderr.writeSync(encoder.encode(line + "\n"));

/** Quotes a logfmt value only when it needs it, so lines stay greppable. */
function formatValue(value: unknown): string {
  let text: string;
  if (value instanceof Error) text = value.message;
  else if (typeof value === "string") text = value;
  else if (typeof value === "bigint") text = String(value);
  else {
    try {
      text = JSON.stringify(value, (_, v) => typeof v === "bigint" ? String(v) : v);
    } catch {
      text = String(value); // a log line must never throw
    }
  }
  return /^[\w.:/@+-]+$/.test(text ?? "") ? text : JSON.stringify(text);
}

/** logfmt-style lines: `time level component: message key=value ...`. */
export function createLogger(component: string, options: LoggerOptions = {}): Logger {
  const threshold = LOG_LEVELS.indexOf(options.level ?? "info");
  const sink = options.sink ?? stderrSink;
  const now = options.now ?? (() => new Date());
  const make = (bound: LogFields): Logger => {
    const emit = (level: LogLevel, message: string, fields?: LogFields) => {
      if (LOG_LEVELS.indexOf(level) < threshold) return;
      const all = { ...bound, ...fields };
      const tail = Object.entries(all)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => ` ${k}=${formatValue(v)}`)
        .join("");
      sink(`${now().toISOString()} ${level.toUpperCase()} ${component}: ${message}${tail}`);
    };
    return {
      debug: (m, f) => emit("debug", m, f),
      info: (m, f) => emit("info", m, f),
      warn: (m, f) => emit("warn", m, f),
      error: (m, f) => emit("error", m, f),
      with: (fields) => make({ ...bound, ...fields }),
    };
  };
  return make({});
}

/** Parses a level name, for flags and config. */
export function parseLogLevel(text: string): LogLevel | undefined {
  return (LOG_LEVELS as readonly string[]).includes(text) ? text as LogLevel : undefined;
}
