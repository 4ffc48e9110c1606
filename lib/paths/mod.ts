/** Where protect keeps sockets, state and config, under one root. */
export * from "./paths.ts";
