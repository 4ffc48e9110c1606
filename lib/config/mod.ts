/** TOML config files with on-disk defaults and field readers that name bad keys. */
export { loadOrCreateToml } from "./toml_file.ts";
export { absolutePath, integer, oneOf, onlyKeys, stringList, table, unixGroup } from "./fields.ts";
