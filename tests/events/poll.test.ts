import { afterEach, describe, expect, it } from "vitest";
import type { RunningHost } from "../../local/host/host.js";
import { verifySet } from "../../shared/product/event-formats.js";
import {
  createSubscription,
  listDeliveries,
  notifyEvents,
  rotateSubscriptionSecret,
} from "../../shared/operations/events.js";
import { startEventsHost, writeEvents } from "./helpers.js";

let host: RunningHost | undefined;
afterEach(async () => {
  await host?.close();
  host = undefined;
});

async function poll(url: string, secret: string | undefined, body?: unknown) {
  const res = await fetch(`${url}/events/poll`, {
    method: "POST",
    headers: {
      ...(secret !== undefined ? { Authorization: `Bearer ${secret}` } : {}),
      "Content-Type": "application/json",
    },
    ...(body !== undefined ? { body: typeof body === "string" ? body : JSON.stringify(body) } : {}),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as any };
}

describe("the poll endpoint (RFC 8936)", () => {
  it("returns pending SETs oldest first, says whether more wait, and forgets what was acknowledged", async () => {
    const started = await startEventsHost();
    host = started.host;
    const { ctx, tenantId, container } = started;
    const sub = await createSubscription(ctx(), { format: "poll", content: "full" });
    expect(sub.subscription.url).toBeUndefined();
    const events = await writeEvents(host, container, tenantId, [
      { resourceId: "u1", type: "user.created" },
      { resourceId: "u2", type: "user.created" },
      { resourceId: "u1", type: "user.deactivated" },
    ]);
    await notifyEvents(host.services, tenantId);
    await host.jobs.idle();

    const first = await poll(host.url, sub.secret, { maxEvents: 2, returnImmediately: true });
    expect(first.status).toBe(200);
    expect(first.headers.get("cache-control")).toBe("no-store");
    expect(first.body.moreAvailable).toBe(true);
    expect(Object.keys(first.body.sets)).toEqual([events[0]!.id, events[1]!.id]);
    const claims = await verifySet(first.body.sets[events[0]!.id], sub.secret, {
      issuer: host.tenantUrl,
      audience: sub.subscription.id,
    });
    expect(claims).toMatchObject({ jti: events[0]!.id, sub_id: { format: "scim", uri: "/Users/u1" } });
    expect(Object.keys(claims.events)).toEqual(["urn:ietf:params:scim:event:prov:create:full"]);

    // Unacknowledged SETs come again; acknowledged ones do not.
    const again = await poll(host.url, sub.secret, { ack: [events[0]!.id], maxEvents: 10 });
    expect(Object.keys(again.body.sets)).toEqual([events[1]!.id, events[2]!.id]);
    expect(again.body.moreAvailable).toBe(false);
    const last = await poll(host.url, sub.secret, {
      ack: [events[1]!.id],
      setErrs: { [events[2]!.id]: { err: "invalid_request", description: "cannot apply" } },
    });
    expect(last.body).toEqual({ sets: {}, moreAvailable: false });
    const deliveries = (await listDeliveries(ctx(), { page: 1, limit: 10 })).deliveries;
    expect(Object.fromEntries(deliveries.map((d) => [d.eventId, d.state]))).toEqual({
      [events[0]!.id]: "delivered",
      [events[1]!.id]: "delivered",
      [events[2]!.id]: "dead",
    });
    expect(deliveries.find((d) => d.eventId === events[2]!.id)!.lastError).toContain("cannot apply");
    expect(deliveries.find((d) => d.eventId === events[0]!.id)!.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it("answers 401 to a wrong or missing secret, 400 to a bad request, and takes the previous secret after a rotation", async () => {
    const started = await startEventsHost();
    host = started.host;
    const { ctx } = started;
    const sub = await createSubscription(ctx(), { format: "poll" });
    const push = await createSubscription(ctx(), { format: "webhook", url: "http://127.0.0.1:9/hook" });

    for (const secret of [undefined, "whsec_wrong", push.secret, `${sub.secret}x`]) {
      const refused = await poll(host.url, secret, {});
      expect(refused.status).toBe(401);
      expect(refused.headers.get("www-authenticate")).toMatch(/^Bearer /);
      expect(JSON.stringify(refused.body)).not.toContain(sub.secret);
    }
    expect((await poll(host.url, sub.secret, "{not json")).status).toBe(400);
    expect((await poll(host.url, sub.secret, { ack: "x" })).body).toEqual({
      err: "invalid_request",
      description: "ack must be an array of jti strings.",
    });
    expect((await poll(host.url, sub.secret, { maxEvents: -1 })).status).toBe(400);
    expect((await poll(host.url, sub.secret)).status).toBe(200);

    const rotated = await rotateSubscriptionSecret(ctx(), sub.subscription.id);
    expect((await poll(host.url, rotated.secret, {})).status).toBe(200);
    expect((await poll(host.url, sub.secret, {})).status).toBe(200);
    const get = await fetch(`${host.url}/events/poll`, { headers: { Authorization: `Bearer ${rotated.secret}` } });
    expect(get.status).toBe(405);
  });
});
