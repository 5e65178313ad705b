import { afterEach, describe, expect, it } from "vitest";
import type { RunningHost } from "../../local/host/host.js";
import { deliverSubscription } from "../../shared/operations/event-delivery.js";
import { createSubscription, listDeliveries, notifyEvents } from "../../shared/operations/events.js";
import { client } from "../helpers/host.js";
import { contextOf, startEventsHost, startReceiver, writeEvents, type Receiver } from "./helpers.js";

let host: RunningHost | undefined;
const receivers: Receiver[] = [];
afterEach(async () => {
  await host?.close();
  host = undefined;
  for (const r of receivers.splice(0)) await r.close();
});

describe("a subscriber that hangs", () => {
  it(
    "delays neither another subscription of its tenant, nor another tenant, nor SCIM requests; its attempts time out",
    { timeout: 60_000 },
    async () => {
      // Attempts end after 3 s here (10 s in production).
      const started = await startEventsHost({ env: { EVENTS_DELIVERY_TIMEOUT_MS: "3000" } });
      host = started.host;
      const { tenantId, container } = started;
      const other = await host.services.tenants.create("Other tenant", host.services.now());
      const hanging = await startReceiver(() => "hang");
      const healthy = await startReceiver();
      const elsewhere = await startReceiver();
      receivers.push(hanging, healthy, elsewhere);
      const stuck = await createSubscription(contextOf(host, tenantId), { format: "webhook", url: hanging.url });
      await createSubscription(contextOf(host, tenantId), { format: "webhook", url: healthy.url });
      await createSubscription(contextOf(host, other.id), { format: "set", url: elsewhere.url });

      const resources = ["a", "b", "c", "d", "e"].map((resourceId) => ({ resourceId }));
      await writeEvents(host, container, tenantId, resources);
      await notifyEvents(host.services, tenantId);
      await hanging.waitFor(1);
      // The hanging subscriber holds its attempts open; changes that come now are served meanwhile.
      const start = performance.now();
      await writeEvents(host, container, tenantId, [{ resourceId: "f" }]);
      await writeEvents(host, container, other.id, resources);
      await notifyEvents(host.services, tenantId);
      await notifyEvents(host.services, other.id);
      const scim = client(host, host.defaultTenant!.token);
      const scimStart = performance.now();
      expect((await scim.get("/Users?count=1")).status).toBe(200);
      const scimMs = performance.now() - scimStart;
      await Promise.all([healthy.waitFor(6), elsewhere.waitFor(5)]);
      const servedMs = Math.max(healthy.received.at(-1)!.at, elsewhere.received.at(-1)!.at) - start;
      expect(servedMs).toBeLessThan(1500);
      expect(scimMs).toBeLessThan(1000);

      // After the timeout the hung attempts failed with a clear error and back off; the subscriber is left alone a while.
      await new Promise((r) => setTimeout(r, 3500));
      await host.jobs.idle();
      const pending = await listDeliveries(contextOf(host, tenantId), {
        subscriptionId: stuck.subscription.id,
        page: 1,
        limit: 10,
      });
      expect(pending.total).toBe(6);
      const attempted = pending.deliveries.filter((d) => d.attempts > 0);
      expect(attempted.length).toBeGreaterThan(0);
      for (const d of attempted)
        expect(d).toMatchObject({ state: "pending", lastError: expect.stringContaining("timed out") });
      expect(await deliverSubscription(host.services, tenantId, stuck.subscription.id)).toBe("busy");
    },
  );
});
