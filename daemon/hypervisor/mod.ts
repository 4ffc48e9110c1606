/** Hypervisor drivers behind one interface. Only the test fake exists yet. */
export type { CreatedGuest, GuestInfo, HypervisorDriver, ZoneLaunch } from "./driver.ts";
export { FAKE_FAIL_ANNOTATION, FakeDriver, type FakeDriverOptions } from "./fake/fake_driver.ts";
