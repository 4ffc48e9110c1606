import { create } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import {
  AttachZoneConsoleResponseSchema,
  type ControlService,
  CreateZoneResponseSchema,
  DestroyZoneResponseSchema,
  ExecInsideZoneResponseSchema,
  GetZoneResponseSchema,
  HypervisorBackend,
  ListZonesResponseSchema,
  ReadZoneMetricsResponseSchema,
  ResolveZoneIdResponseSchema,
  ResourcePolicy,
  UpdateZoneResourcesResponseSchema,
  type ZoneSpec,
  ZoneState,
} from "../../proto/mod.ts";
import {
  FailedPreconditionError,
  InvalidArgumentError,
  NotFoundError,
  UnimplementedError,
} from "../../lib/errors/mod.ts";
import {
  checkZoneKernel,
  checkZoneShares,
  normalizeZoneSpec,
  validateName,
} from "../validation/mod.ts";
import { isNamespacedSysctl } from "../../lib/sysctl/mod.ts";
import type { ApiContext } from "./context.ts";
import { zoneToProto } from "./convert.ts";
import { requireId } from "./require_id.ts";
import { askZoneMetrics } from "./in_zone_metrics.ts";
import { findPoolZone } from "../zones/mod.ts";
import type { ConsoleInput } from "../hypervisor/mod.ts";

/** One console input message: keystrokes or a paste, not a file transfer. */
const MAX_CONSOLE_INPUT = 64 * 1024;
import { execOutput, execStart, readExecHeader, relayExec } from "../workloads/exec_relay.ts";

/** Zone RPCs: validate, persist the desired state, wake the reconciler, return. */
export function zoneHandlers(ctx: ApiContext): Partial<ServiceImpl<typeof ControlService>> {
  return {
    async createZone(request) {
      const spec = normalizeZoneSpec(request.spec, ctx.config.zoneDefaults);
      if (spec.pool) checkPoolSpec(spec);
      if (!ctx.driver.hardwareIsolation) {
        // The zone shares the host's kernel: only what its namespaces keep is its own.
        for (const name of Object.keys(spec.sysctls)) {
          if (!isNamespacedSysctl(name)) {
            throw new InvalidArgumentError(
              `spec.sysctls["${name}"]`,
              `the ${ctx.driver.name} driver's zones share the host's kernel: only namespaced ` +
                "sysctls (net.*, kernel.shm*, kernel.msg*, kernel.sem, fs.mqueue.*) are theirs",
            );
          }
        }
      }
      checkZoneShares(spec.shares, ctx.shareRoots);
      checkZoneKernel(spec, {
        hardwareIsolation: ctx.driver.hardwareIsolation,
        driverName: ctx.driver.name,
        kernelDir: ctx.config.xen.kernelDir,
      });
      if (spec.devices.length > 0) {
        if (!ctx.driver.attachDevice) {
          throw new InvalidArgumentError(
            "spec.devices",
            `the ${ctx.driver.name} driver cannot give host devices to zones; that needs the xen driver`,
          );
        }
        await ctx.devices.checkSpec(spec.devices.map((d) => d.name));
      }
      if (spec.resources?.policy === ResourcePolicy.DYNAMIC && !ctx.driver.updateResources) {
        throw new InvalidArgumentError(
          "spec.resources.policy",
          `DYNAMIC needs a driver that resizes running zones (xen); the ${ctx.driver.name} driver cannot`,
        );
      }
      const backendProblem = ctx.driver.backendProblem?.(
        spec.backend,
        spec.devices.map((d) => d.name),
      );
      if (backendProblem) throw new FailedPreconditionError(backendProblem);
      if (!spec.pool && !request.noPool) {
        // Synchronous from the look-up to the claim: two calls cannot take the same zone.
        const pooled = findPoolZone(ctx.zones.store.list(), spec);
        if (pooled) {
          ctx.zones.claim(pooled, spec);
          ctx.reconciler.wake();
          return create(CreateZoneResponseSchema, { zoneId: pooled.id });
        }
      }
      const reserved = ctx.driver.reserveZoneId?.();
      const id = reserved ?? crypto.randomUUID();
      try {
        ctx.zones.admit({
          id,
          name: spec.name,
          spec,
          desired: "present",
          state: ZoneState.CREATING,
          error: "",
          driver: ctx.driver.name,
          domainId: 0,
          ipv4: "",
          ipv6: "",
          backend: HypervisorBackend.UNSPECIFIED,
          exitCode: 0,
          createdAt: new Date(),
        });
      } catch (e) {
        // A name taken: the guest started ahead for this ID belongs to no zone.
        if (reserved) ctx.driver.releaseZoneId?.(reserved);
        throw e;
      }
      ctx.reconciler.wake();
      return create(CreateZoneResponseSchema, { zoneId: id });
    },

    destroyZone(request) {
      const zoneId = requireId(request.zoneId, "zone_id");
      if (request.onlyPool && !ctx.zones.store.get(zoneId).spec.pool) {
        throw new FailedPreconditionError(
          `zone ${zoneId} is no longer a pool zone (a launch claimed it); not destroyed`,
        );
      }
      ctx.zones.requestDestroy(zoneId);
      ctx.reconciler.wake();
      return create(DestroyZoneResponseSchema);
    },

    getZone(request) {
      const zone = ctx.zones.store.get(requireId(request.zoneId, "zone_id"));
      return create(GetZoneResponseSchema, { zone: zoneToProto(zone) });
    },

    async updateZoneResources(request) {
      const zone = ctx.zones.store.get(requireId(request.zoneId, "zone_id"));
      if (!ctx.driver.updateResources) {
        throw new FailedPreconditionError(
          `the ${ctx.driver.name} driver cannot change a running zone's resources`,
        );
      }
      if (zone.state !== ZoneState.READY) {
        throw new FailedPreconditionError(
          `zone ${zone.name} is ${ZoneState[zone.state]}, not READY`,
        );
      }
      const current = zone.spec.resources!;
      const wanted = request.resources;
      const memory = wanted?.targetMemoryMib || current.targetMemoryMib;
      const cpus = wanted?.targetCpus || current.targetCpus || 1;
      const maxMemory = current.maxMemoryMib || current.targetMemoryMib;
      const maxCpus = current.maxCpus || current.targetCpus || 1;
      const minMemory = current.minMemoryMib || memory;
      const minCpus = current.minCpus || 1;
      if (memory < minMemory) {
        throw new InvalidArgumentError(
          "resources.target_memory_mib",
          `${memory} is below the zone's minimum of ${minMemory} MiB (set at launch)`,
        );
      }
      if (cpus < minCpus) {
        throw new InvalidArgumentError(
          "resources.target_cpus",
          `${cpus} is below the zone's minimum of ${minCpus} vCPUs (set at launch)`,
        );
      }
      if (memory > maxMemory) {
        throw new InvalidArgumentError(
          "resources.target_memory_mib",
          `${memory} is above the zone's maximum of ${maxMemory} MiB (set at launch)`,
        );
      }
      if (cpus > maxCpus) {
        throw new InvalidArgumentError(
          "resources.target_cpus",
          `${cpus} is above the zone's maximum of ${maxCpus} vCPUs (set at launch)`,
        );
      }
      await ctx.driver.updateResources(zone.id, {
        targetMemoryMib: Number(memory),
        targetCpus: cpus,
        maxCpus,
      });
      zone.spec.resources = { ...current, targetMemoryMib: memory, targetCpus: cpus };
      ctx.zones.store.update(zone);
      ctx.log.info("zone resources changed", { zone: zone.name, memoryMib: memory, cpus });
      return create(UpdateZoneResourcesResponseSchema, {});
    },

    async *execInsideZone(requests) {
      const { header, rest } = await readExecHeader(requests);
      const zone = ctx.zones.store.get(requireId(header.zoneId, "zone_id"));
      if (zone.state !== ZoneState.READY) {
        throw new FailedPreconditionError(
          `zone ${zone.name} is ${ZoneState[zone.state]}, not READY`,
        );
      }
      if (!ctx.driver.channel) {
        throw new FailedPreconditionError(`the ${ctx.driver.name} driver runs no zone agent`);
      }
      const start = execStart("", header);
      const peer = await ctx.driver.channel(zone.id);
      const events = relayExec(peer, "zone.exec", start, header, rest);
      for await (const event of events) {
        yield create(ExecInsideZoneResponseSchema, { output: execOutput(event) });
      }
    },

    listZones() {
      return create(ListZonesResponseSchema, {
        zones: ctx.zones.store.list().map(zoneToProto),
      });
    },

    async *attachZoneConsole(requests, call) {
      const it = requests[Symbol.asyncIterator]();
      const first = await it.next();
      if (first.done) throw new InvalidArgumentError("request", "no console header message");
      const zone = ctx.zones.store.get(requireId(first.value.zoneId, "zone_id"));
      if (!ctx.driver.console) {
        throw new FailedPreconditionError(`the ${ctx.driver.name} driver has no zone console`);
      }
      // Input goes to the zone's console device (Xen: hvc0, where the agent keeps a shell);
      // a driver without one refuses it, never drops it.
      const refused = () =>
        new UnimplementedError(
          `zone console input needs a console device, which ${ctx.driver.name}-driver zones ` +
            "do not have; use `protect zone exec -t ZONE -- sh` for a shell",
        );
      let input: ConsoleInput | undefined;
      const type = (data: Uint8Array) => {
        if (data.length === 0) return;
        if (data.length > MAX_CONSOLE_INPUT) {
          throw new InvalidArgumentError("data", `more than ${MAX_CONSOLE_INPUT} bytes at once`);
        }
        if (!ctx.driver.openConsoleInput) throw refused();
        input ??= ctx.driver.openConsoleInput(zone.id);
        input.write(data);
      };
      type(first.value.data);
      const abort = new AbortController();
      call.signal.addEventListener("abort", () => abort.abort(), { once: true });
      let inputError: Error | undefined;
      (async () => {
        for (let next = await it.next(); !next.done; next = await it.next()) type(next.value.data);
      })().catch((e) => {
        if (call.signal.aborted) return; // the client went away
        inputError = e as Error;
        abort.abort();
      }).finally(() => input?.close());
      const { replayHistory, follow } = first.value;
      try {
        for await (const data of ctx.driver.console(zone.id, replayHistory, follow, abort.signal)) {
          yield create(AttachZoneConsoleResponseSchema, { data });
        }
      } finally {
        input?.close();
      }
      if (inputError) throw inputError;
    },

    async readZoneMetrics(request) {
      const zone = ctx.zones.store.get(requireId(request.zoneId, "zone_id"));
      return create(ReadZoneMetricsResponseSchema, {
        metrics: await askZoneMetrics(ctx.driver, zone.id, 10_000),
      });
    },

    resolveZoneId(request) {
      validateName(request.name, "name");
      const zone = ctx.zones.store.findByName(request.name);
      if (!zone) throw new NotFoundError(`no zone named "${request.name}"`);
      return create(ResolveZoneIdResponseSchema, { zoneId: zone.id });
    },
  };
}

/**
 * A pool zone is booted before anyone asks for it: what a claim brings (identity, network
 * settings) would be replaced, and what it cannot change later (devices, shares) would
 * never match a claim. Either is refused rather than ignored.
 */
function checkPoolSpec(spec: ZoneSpec): void {
  const refuse = (field: string, reason: string) => {
    throw new InvalidArgumentError(`spec.${field}`, `a pool zone (spec.pool) ${reason}`);
  };
  if (spec.devices.length > 0) refuse("devices", "boots without devices; claims never have them");
  if (spec.shares.length > 0) refuse("shares", "boots without shares; claims never have them");
  if ((spec.scratchDisk?.sizeMib ?? 0n) > 0n) refuse("scratch_disk", "has none");
  if (spec.hostname) refuse("hostname", "has no hostname until it is claimed");
  if (Object.keys(spec.sysctls).length > 0) refuse("sysctls", "takes its claim's sysctls");
  const network = spec.network;
  if (network && (network.publish.length > 0 || network.isolated || network.dns)) {
    refuse("network", "takes its claim's ports, isolation and DNS; only `disabled` is its own");
  }
}
