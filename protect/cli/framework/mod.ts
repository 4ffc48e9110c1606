/** A small, dependency-free command-line framework: spec, parser, help. */
export * from "./spec.ts";
export { type Invocation, parseArgv } from "./parse_argv.ts";
export { helpText } from "./help.ts";
