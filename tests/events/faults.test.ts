import { afterEach, describe, expect, it } from "vitest";
import type { RunningHost } from "../../local/host/host.js";
import { faultLayer } from "../../local/host/faults.js";
import { deliverSubscription, dispatchTenant, sweepEvents } from "../../shared/operations/event-delivery.js";
import { createSubscription, listDeliveries, notifyEvents } from "../../shared/operations/events.js";
import { entraClient } from "../faults/entra.js";
import { patch } from "../helpers/host.js";
import { contextOf, movableClock, startEventsHost, startReceiver, writeEvents, type Receiver } from "./helpers.js";

/**
 * Delivery while a fifth of the store's requests fail as Cosmos DB fails under load
 * (local/host/faults.ts: 429s, 503s, timeouts, lost replies) and a fifth of the subscriber's
 * answers fail too (a 503, or the connection closed after the event arrived: a lost answer).
 * Every event must reach the subscriber, at least once (duplicates are counted and reported, each
 * with the same webhook-id), and the events of each resource in their order.
 */

let host: RunningHost | undefined;
let hooks: Receiver | undefined;
afterEach(async () => {
  await host?.close();
  await hooks?.close();
  host = undefined;
  hooks = undefined;
});

/** A seeded generator of numbers in [0, 1) (the receiver's faults are reproducible). */
function seeded(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("event delivery with 20% of store requests and 20% of subscriber answers failing", () => {
  it.each([1, 2])(
    "delivers every event, each resource's in order, duplicates only as retries of the same id (seed %i)",
    { timeout: 180_000 },
    async (seed) => {
      const faults = faultLayer({ rate: 0.2, seed, retryAfterMs: 1 });
      faults.enabled = false;
      const clock = movableClock();
      const started = await startEventsHost({ now: clock.now, storePlugins: [faults.plugin] });
      host = started.host;
      const { ctx, tenantId, container } = started;
      const random = seeded(seed);
      hooks = await startReceiver(() => {
        const r = random();
        return r < 0.1 ? 503 : r < 0.2 ? "drop" : 200;
      });
      await createSubscription(ctx(), { format: "webhook", url: hooks.url });
      const resources = ["a", "b", "c", "d", "e"];
      const events = await writeEvents(
        host,
        container,
        tenantId,
        Array.from({ length: 40 }, (_, i) => ({ resourceId: resources[i % resources.length]! })),
      );
      faults.enabled = true;

      await notifyEvents(host.services, tenantId);
      const distinct = () => new Set(hooks!.received.map((r) => r.headers["webhook-id"])).size;
      for (let round = 0; round < 120 && distinct() < events.length; round++) {
        await host.jobs.idle();
        // Retries come due, leases of subscribers that stopped answering run out; the minute sweep runs.
        clock.advance(60_000);
        await sweepEvents(host.services).catch(() => undefined);
      }
      await host.jobs.idle();
      const injected = { ...faults.stats.injected };
      faults.enabled = false;

      const ids = hooks.received.map((r) => r.headers["webhook-id"] as string);
      const order = new Map(events.map((e, i) => [e.id, i]));
      expect(new Set(ids)).toEqual(new Set(events.map((e) => e.id)));
      for (const resourceId of resources) {
        const positions = hooks.received
          .filter((r) => JSON.parse(r.body).data.resourceId === resourceId)
          .map((r) => order.get(r.headers["webhook-id"] as string)!);
        expect(positions, `order of resource ${resourceId}`).toEqual([...positions].sort((x, y) => x - y));
      }
      const states = (await listDeliveries(ctx(), { page: 1, limit: 100 })).deliveries.map((d) => d.state);
      expect(states).toEqual(events.map(() => "delivered"));
      const duplicates = ids.length - distinct();
      console.log(
        `seed ${seed}: ${events.length} events, ${ids.length} requests, ${duplicates} duplicate(s) (same id, after a failed answer or store write); store faults injected: ${JSON.stringify(injected)}`,
      );
      expect(Object.values(injected).reduce((a, b) => a + b, 0)).toBeGreaterThan(20);
    },
  );

  it(
    "delivers the event of every SCIM change made while the store fails, each once modulo retries",
    { timeout: 180_000 },
    async () => {
      const faults = faultLayer({ rate: 0.2, seed: 7, retryAfterMs: 1 });
      faults.enabled = false;
      const clock = movableClock();
      const started = await startEventsHost({ now: clock.now, storePlugins: [faults.plugin] });
      host = started.host;
      const { tenantId, container } = started;
      hooks = await startReceiver();
      await createSubscription(contextOf(host, tenantId), { format: "webhook", url: hooks.url });
      const entra = entraClient(host, host.defaultTenant!.token);
      faults.enabled = true;

      const ids: string[] = [];
      for (let i = 0; i < 12; i++)
        ids.push(await entra.ensure("Users", "userName", `f${i}@example.com`, entra.user(`f${i}@example.com`)));
      for (const id of ids.slice(0, 4))
        await entra.expectStatus(
          "PATCH",
          `/Users/${id}`,
          patch({ op: "replace", path: "active", value: false }),
          [200],
        );
      faults.enabled = false;
      const written = (
        await container.items
          .query<{ id: string }>({
            query: "SELECT c.id FROM c WHERE c.tenantId = @t AND c.kind = 'Event'",
            parameters: [{ name: "@t", value: tenantId }],
          })
          .fetchAll()
      ).resources.map((e) => e.id);
      expect(written.length).toBeGreaterThanOrEqual(16);
      faults.enabled = true;
      const distinct = () => new Set(hooks!.received.map((r) => r.headers["webhook-id"])).size;
      for (let round = 0; round < 120 && distinct() < written.length; round++) {
        await host.jobs.idle();
        clock.advance(60_000);
        await sweepEvents(host.services).catch(() => undefined);
      }
      await host.jobs.idle();
      faults.enabled = false;
      const received = hooks.received.map((r) => r.headers["webhook-id"] as string);
      expect(new Set(received)).toEqual(new Set(written));
      console.log(
        `SCIM under faults: ${written.length} events written, ${received.length} deliveries, ${received.length - distinct()} duplicate(s); store faults: ${JSON.stringify(faults.stats.injected)}`,
      );
    },
  );

  it("never reads a failing store as nothing pending: the sweep and the worker fail, and leave everything to retry", async () => {
    const faults = faultLayer({ rate: 1, seed: 3, retryAfterMs: 1 });
    faults.enabled = false;
    const started = await startEventsHost({ storePlugins: [faults.plugin] });
    host = started.host;
    const { ctx, tenantId, container } = started;
    hooks = await startReceiver();
    const sub = await createSubscription(ctx(), { format: "webhook", url: hooks.url });
    await host.jobs.pause();
    await writeEvents(host, container, tenantId, [{ resourceId: "a" }]);
    faults.enabled = true;
    await expect(sweepEvents(host.services)).rejects.toThrow();
    await expect(dispatchTenant(host.services, tenantId)).rejects.toThrow();
    await expect(deliverSubscription(host.services, tenantId, sub.subscription.id)).rejects.toThrow();
    faults.enabled = false;
    expect(await host.services.events.pendingEvents(tenantId, 10)).toHaveLength(1);
    expect(hooks.received).toEqual([]);
    expect(await sweepEvents(host.services)).toEqual({ tenants: 1, subscriptions: 0 });
    host.jobs.resume();
    await hooks.waitFor(1);
  });
});
