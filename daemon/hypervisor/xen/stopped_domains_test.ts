import assert from "node:assert/strict";
import type { DomainInfo } from "../../../xen/mod.ts";
import { stoppedZones } from "./stopped_domains.ts";

const domain = (domid: number, state: Partial<DomainInfo>): DomainInfo => ({
  domid,
  uuid: `u${domid}`,
  running: true,
  blocked: false,
  paused: false,
  shutdown: false,
  dying: false,
  shutdownReason: -1,
  currentMemoryKb: 0n,
  maxMemoryKb: 0n,
  cpuTimeNs: 0n,
  maxVcpuId: 0,
  onlineVcpus: 1,
  ...state,
});

Deno.test("stoppedZones: shut down, crashed, dying and vanished domains, each with its reason", () => {
  const live = new Map([
    ["up", domain(1, {})],
    ["off", domain(2, { shutdown: true, shutdownReason: 0 })],
    ["crash", domain(3, { shutdown: true, shutdownReason: 3 })],
    ["dying", domain(4, { shutdown: true, shutdownReason: 0, dying: true })],
  ]);
  assert.deepEqual(stoppedZones(["up", "off", "crash", "dying", "gone"], live), [
    { zoneId: "off", reason: "the guest shut down (poweroff)", crashed: false, leftover: 2 },
    { zoneId: "crash", reason: "the guest crashed", crashed: true, leftover: 3 },
    {
      zoneId: "dying",
      reason: "the guest shut down (poweroff)",
      crashed: false,
      leftover: undefined,
    },
    {
      zoneId: "gone",
      reason: "domain was destroyed outside protect",
      crashed: true,
      leftover: undefined,
    },
  ]);
});
