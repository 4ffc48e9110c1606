/** Typed errors and their single mapping to Connect codes. */
export * from "./errors.ts";
export { codeForError, toConnectError } from "./connect_codes.ts";
