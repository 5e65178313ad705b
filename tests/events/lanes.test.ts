import { afterEach, expect, it } from "vitest";
import { deliverSubscription, dispatchTenant } from "../../shared/operations/event-delivery.js";
import { createSubscription } from "../../shared/operations/events.js";
import { movableClock, startEventsHost, startReceiver, webhookOf, writeEvents, type Receiver } from "./helpers.js";

/**
 * A resource whose events wait (its oldest failing, or refused) holds back its own later events
 * only: never another resource's, however many of its own are queued, and a refusal for good does
 * not hold them for 24 hours.
 */

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of cleanup.splice(0).reverse()) await close();
});

async function setUp(answer: Parameters<typeof startReceiver>[0]) {
  const clock = movableClock();
  const started = await startEventsHost({ env: { EVENTS_ALLOW_LOCAL_URLS: "1" }, now: clock.now });
  cleanup.push(() => started.host.close());
  await started.host.jobs.pause();
  const receiver: Receiver = await startReceiver(answer);
  cleanup.push(() => receiver.close());
  const sub = await createSubscription(started.ctx(), { format: "webhook", url: receiver.url });
  return { ...started, clock, receiver, sub };
}

it("delivers another resource's event past a page full of one failing resource's events", async () => {
  const { host, tenantId, container, clock, receiver, sub } = await setUp((r) =>
    webhookOf(r).data.resourceId === "A" ? 500 : 200,
  );
  await writeEvents(
    host,
    container,
    tenantId,
    Array.from({ length: 205 }, () => ({ resourceId: "A" })),
  );
  await writeEvents(host, container, tenantId, [{ resourceId: "B" }]);
  await dispatchTenant(host.services, tenantId);
  for (let i = 0; i < 3; i++) {
    await deliverSubscription(host.services, tenantId, sub.subscription.id);
    clock.advance(15_000);
  }
  const got = receiver.received.map((r) => webhookOf(r).data.resourceId);
  expect(got).toContain("B");
  // A's later events waited behind its failing first one: only that one was tried.
  expect(got.filter((id) => id === "A").length).toBe(got.length - 1);
}, 120_000);

it("dead-letters an event the subscriber refuses for good (400) at once, so the resource's next event goes", async () => {
  const { host, tenantId, container, receiver, sub } = await setUp((r) =>
    webhookOf(r).type === "user.changed" ? 400 : 200,
  );
  await writeEvents(host, container, tenantId, [
    { resourceId: "U", type: "user.changed" },
    { resourceId: "U", type: "user.deactivated" },
  ]);
  await dispatchTenant(host.services, tenantId);
  // Pending, a delivery never expires (it ends delivered or dead); then it is kept 7 days.
  const ttls = async () =>
    (
      await container.items
        .query<{ state: string; ttl?: number }>(
          `SELECT c.state, c.ttl FROM c WHERE c.tenantId = '${tenantId}' AND c.kind = 'Delivery'`,
          { partitionKey: tenantId },
        )
        .fetchAll()
    ).resources;
  expect((await ttls()).map((d) => d.ttl)).toStrictEqual([undefined, undefined]);
  await deliverSubscription(host.services, tenantId, sub.subscription.id);
  expect((await ttls()).map((d) => d.ttl)).toStrictEqual([7 * 86_400, 7 * 86_400]);
  expect(receiver.received.map((r) => webhookOf(r).type)).toStrictEqual(["user.changed", "user.deactivated"]);
  const deliveries = await host.services.events.listDeliveries(tenantId, {
    subscriptionId: sub.subscription.id,
    page: 1,
    limit: 10,
  });
  const changed = deliveries.deliveries.find((d) => d.event.type === "user.changed")!;
  expect(changed).toMatchObject({ state: "dead", attempts: 1, lastStatus: 400 });
  expect(changed.lastError).toMatch(/^Refused for good/);
}, 60_000);
