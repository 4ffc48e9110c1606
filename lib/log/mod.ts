/** Structured, leveled logging in logfmt style. */
export * from "./logger.ts";
