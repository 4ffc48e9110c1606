/** Hypervisor drivers behind one interface: xen (production), process (development), fake (tests). */
export type {
  BootstrapNetwork,
  ConsoleInput,
  CreatedGuest,
  GuestFigures,
  GuestInfo,
  GuestLink,
  HostDevice,
  HypervisorDriver,
  HypervisorIntrospection,
  ResourceUpdate,
  ZoneBoot,
  ZoneLaunch,
} from "./driver.ts";
export { FAKE_FAIL_ANNOTATION, FakeDriver, type FakeDriverOptions } from "./fake/fake_driver.ts";
