/** daemon.toml: the daemon's settings and their defaults. */
export * from "./daemon_config.ts";
