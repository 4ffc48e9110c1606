/** resolv.conf contents a zone is given: limits, checks and the text. */
export * from "./resolv_conf.ts";
