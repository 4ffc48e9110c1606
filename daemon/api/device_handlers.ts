import { create } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import {
  AttachZoneDeviceResponseSchema,
  type ControlService,
  DetachZoneDeviceResponseSchema,
  ListDevicesResponseSchema,
} from "../../proto/mod.ts";
import { InvalidArgumentError } from "../../lib/errors/mod.ts";
import type { ApiContext } from "./context.ts";

/** Host devices and the zones they are given to. */
export function deviceHandlers(ctx: ApiContext): Partial<ServiceImpl<typeof ControlService>> {
  const zoneOf = (ref: string) => {
    if (ref === "") throw new InvalidArgumentError("zone", "must name a zone");
    return ctx.zones.store.resolve(ref);
  };
  const deviceName = (name: string) => {
    if (name === "") {
      throw new InvalidArgumentError("device", "must name a device (protect device list)");
    }
    return name;
  };
  return {
    async listDevices() {
      return create(ListDevicesResponseSchema, { devices: await ctx.devices.list() });
    },

    async attachZoneDevice(request) {
      const zone = zoneOf(request.zone);
      const guestPath = await ctx.devices.attach(zone, deviceName(request.device));
      return create(AttachZoneDeviceResponseSchema, { guestPath });
    },

    async detachZoneDevice(request) {
      await ctx.devices.detach(zoneOf(request.zone), deviceName(request.device));
      return create(DetachZoneDeviceResponseSchema, {});
    },
  };
}
