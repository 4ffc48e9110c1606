import assert from "node:assert/strict";
import { type AttachInput, validateAttach } from "./attach_request.ts";

const zone = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
const input = (over: Partial<AttachInput> = {}): AttachInput => ({
  zoneId: zone(1),
  netnsPid: 1234,
  publish: [],
  isolated: false,
  ...over,
});

Deno.test("attach: a process zone's link is named after its ID; a vif keeps its name", () => {
  assert.equal(validateAttach(input(), []).hostLink, "pz000000000000");
  const xen = validateAttach(input({ netnsPid: undefined, vif: "pz0000000000a1" }), []);
  assert.deepEqual([xen.hostLink, xen.netnsPid], ["pz0000000000a1", 0]);
});

Deno.test("attach: each bad field is named, and ports held by another zone are refused", () => {
  const bad: Array<[Partial<AttachInput>, RegExp]> = [
    [{ zoneId: "x" }, /zone_id/],
    [{ vif: "vif1.0" }, /either a netns_pid or a vif/],
    [{ netnsPid: 1 }, /link\.netns_pid/],
    [{ netnsPid: undefined, vif: "a/b" }, /link\.vif/],
    // Outside the rules' "pz*" match: it would escape isolation and anti-spoofing.
    [{ netnsPid: undefined, vif: "vif3.0" }, /link\.vif.*must start with "pz"/],
    [{ publish: [{ hostPort: 0, zonePort: 80, protocol: "tcp" }] }, /publish\[0\]\.hostPort/],
    [{ publish: [{ hostPort: 80, zonePort: 70000, protocol: "tcp" }] }, /publish\[0\]\.zonePort/],
    [{
      publish: [
        { hostPort: 80, zonePort: 80, protocol: "tcp" },
        { hostPort: 80, zonePort: 81, protocol: "tcp" },
      ],
    }, /publish\[1\].*listed twice/],
  ];
  for (const [over, why] of bad) assert.throws(() => validateAttach(input(over), []), why);
  const holder = validateAttach(
    input({ zoneId: zone(2), publish: [{ hostPort: 8080, zonePort: 80, protocol: "tcp" }] }),
    [],
  );
  const wanted = input({ publish: [{ hostPort: 8080, zonePort: 80, protocol: "tcp" }] });
  assert.throws(() => validateAttach(wanted, [holder]), /8080\/tcp is already published by zone/);
  const udp = input({ publish: [{ hostPort: 8080, zonePort: 80, protocol: "udp" }] });
  assert.equal(validateAttach(udp, [holder]).publish.length, 1);
  // Re-attaching the same zone may keep its own ports.
  assert.equal(validateAttach({ ...wanted, zoneId: zone(2) }, [holder]).publish.length, 1);
});
