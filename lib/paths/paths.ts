import { join } from "node:path";

/** Every file location of a protect host, derived from one root ("/" in production). */
export interface ProtectPaths {
  root: string;
  runDir: string;
  stateDir: string;
  configDir: string;
  daemonSocket: string;
  storageSocket: string;
  networkSocket: string;
  criSocket: string;
  /** protect-orchestrator's metrics endpoint (HTTP: /metrics). */
  orchestratorSocket: string;
  database: string;
  hostUuid: string;
  imagesDir: string;
  zonesDir: string;
  /** protect-storage's named volumes (ext4 files and their records). */
  volumesDir: string;
  daemonConfig: string;
  storageConfig: string;
  networkConfig: string;
  criConfig: string;
  orchestratorConfig: string;
  /** Declared zones, kept running by protect-orchestrator. */
  declaredZonesDir: string;
  /** protect-network's reservations database lives here. */
  networkDir: string;
  /** Docker-style registry credentials for protect-storage. */
  registryCredentials: string;
}

/** The three top directories under the root; deno.json's permission sets grant exactly these. */
export const RUN_DIR = "/run/protect";
export const STATE_DIR = "/var/lib/protect";
export const CONFIG_DIR = "/etc/protect";

/** Paths under `root`, so tests can run many daemons side by side. */
export function protectPaths(root = "/"): ProtectPaths {
  const runDir = join(root, RUN_DIR);
  const stateDir = join(root, STATE_DIR);
  const configDir = join(root, CONFIG_DIR);
  return {
    root,
    runDir,
    stateDir,
    configDir,
    daemonSocket: join(runDir, "daemon.sock"),
    storageSocket: join(runDir, "storage.sock"),
    networkSocket: join(runDir, "network.sock"),
    criSocket: join(runDir, "cri.sock"),
    orchestratorSocket: join(runDir, "orchestrator.sock"),
    database: join(stateDir, "protect.db"),
    hostUuid: join(stateDir, "host.uuid"),
    imagesDir: join(stateDir, "images"),
    zonesDir: join(stateDir, "zones"),
    volumesDir: join(stateDir, "volumes"),
    daemonConfig: join(configDir, "daemon.toml"),
    storageConfig: join(configDir, "storage.toml"),
    networkConfig: join(configDir, "network.toml"),
    criConfig: join(configDir, "cri.toml"),
    orchestratorConfig: join(configDir, "orchestrator.toml"),
    declaredZonesDir: join(configDir, "zones.d"),
    networkDir: join(stateDir, "network"),
    registryCredentials: join(configDir, "registries.json"),
  };
}
