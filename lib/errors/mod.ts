/** Typed errors and their single mapping to Connect codes. */
export * from "./errors.ts";
export { codeForError, isNoSpace, toConnectError } from "./connect_codes.ts";
