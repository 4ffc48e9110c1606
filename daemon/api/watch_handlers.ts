import type { ServiceImpl } from "@connectrpc/connect";
import { create } from "@bufbuild/protobuf";
import { timestampNow } from "@bufbuild/protobuf/wkt";
import {
  type ControlService,
  PolicyDecisionSchema,
  RecordPolicyDecisionResponseSchema,
  WatchEventsResponseSchema,
} from "../../proto/mod.ts";
import type { ApiContext } from "./context.ts";
import { InvalidArgumentError, NotFoundError } from "../../lib/errors/mod.ts";

/** Live streams: zone/workload changes (WatchEvents) and IDM traffic (SnoopIdm). */
export function watchHandlers(ctx: ApiContext): Partial<ServiceImpl<typeof ControlService>> {
  return {
    watchEvents(_request, call) {
      return ctx.bus.watch(call.signal);
    },

    recordPolicyDecision(request) {
      const d = request.decision;
      if (!d) throw new InvalidArgumentError("decision", "is required");
      if (d.at) {
        throw new InvalidArgumentError(
          "decision.at",
          "is set by the daemon as it publishes; leave it unset",
        );
      }
      for (
        const [key, value, max] of [
          ["source", d.source, 64],
          ["zone", d.zone, 63],
          ["action", d.action, 64],
          ["reason", d.reason, 1024],
        ] as const
      ) {
        if (!value && key !== "zone") {
          throw new InvalidArgumentError(`decision.${key}`, "is required");
        }
        if (value.length > max) {
          throw new InvalidArgumentError(`decision.${key}`, `must be at most ${max} characters`);
        }
      }
      const decision = create(PolicyDecisionSchema, { ...d, at: timestampNow() });
      ctx.bus.publish(create(WatchEventsResponseSchema, {
        event: { case: "policyDecision", value: decision },
      }));
      ctx.log.info("policy decision", {
        source: d.source,
        zone: d.zone,
        action: d.action,
        reason: d.reason,
      });
      return create(RecordPolicyDecisionResponseSchema, {});
    },

    snoopIdm(request, call) {
      if (request.zoneId && !ctx.zones.store.find(request.zoneId)) {
        throw new NotFoundError(`zone ${request.zoneId} not found`);
      }
      return ctx.snoop.subscribe(request.zoneId, request.messageTypes, call.signal);
    },
  };
}
