import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { WatchEventsResponseSchema, ZoneSchema } from "../../proto/mod.ts";
import { EventBus } from "./mod.ts";

const zoneEvent = (id: string) =>
  create(WatchEventsResponseSchema, {
    event: { case: "zoneChanged", value: create(ZoneSchema, { id }) },
  });

Deno.test("watchers receive events published after they subscribe, in order", async () => {
  const bus = new EventBus();
  const abort = new AbortController();
  const stream = bus.watch(abort.signal);
  bus.publish(zoneEvent("a")); // before the first read: must not be lost
  const first = stream.next();
  bus.publish(zoneEvent("b"));
  assert.equal((await first).value?.event.value?.id, "a");
  assert.equal((await stream.next()).value?.event.value?.id, "b");
  abort.abort();
  assert.equal((await stream.next()).done, true);
  assert.equal(bus.watcherCount, 0);
});

Deno.test("a watcher that falls behind is ended with an error, not fed partial data", async () => {
  const bus = new EventBus(2);
  const stream = bus.watch();
  const pending = stream.next();
  for (const id of ["a", "b", "c", "d"]) bus.publish(zoneEvent(id));
  await assert.rejects(pending, /fell more than 2 events behind/);
});
