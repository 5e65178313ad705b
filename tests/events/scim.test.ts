import { afterEach, describe, expect, it } from "vitest";
import type { RunningHost } from "../../local/host/host.js";
import { createSubscription } from "../../shared/operations/events.js";
import { SET_EVENT_URIS, verifyWebhook } from "../../shared/product/event-formats.js";
import { GROUP, client, entraUser, patch } from "../helpers/host.js";
import { contextOf, startEventsHost, startReceiver, webhookOf, type Receiver } from "./helpers.js";

let host: RunningHost | undefined;
const receivers: Receiver[] = [];
afterEach(async () => {
  await host?.close();
  host = undefined;
  for (const r of receivers.splice(0)) await r.close();
});

describe("events of SCIM changes, end to end on the local host", () => {
  it("reach a local receiver in the order of the changes, signed", { timeout: 60_000 }, async () => {
    const started = await startEventsHost();
    host = started.host;
    const hooks = await startReceiver();
    receivers.push(hooks);
    const sub = await createSubscription(contextOf(host, started.tenantId), { format: "webhook", url: hooks.url });
    const scim = client(host, host.defaultTenant!.token);

    const user = await scim.post("/Users", entraUser("ada@example.com"));
    expect(user.status).toBe(201);
    const group = await scim.post("/Groups", { schemas: [GROUP], displayName: "Engineers", externalId: "g-1" });
    expect(group.status).toBe(201);
    expect(
      (
        await scim.patch(
          `/Groups/${group.body.id}`,
          patch({ op: "add", path: "members", value: [{ value: user.body.id }] }),
        )
      ).status,
    ).toBe(204);
    expect(
      (await scim.patch(`/Users/${user.body.id}`, patch({ op: "replace", path: "active", value: false }))).status,
    ).toBe(200);
    expect((await scim.delete(`/Users/${user.body.id}`)).status).toBe(204);

    await hooks.waitFor(5);
    await host.jobs.idle();
    for (const r of hooks.received) verifyWebhook(r.headers as Record<string, string>, r.body, sub.secret);
    const types = (resourceId: string) =>
      hooks.received
        .map(webhookOf)
        .filter((w) => w.data.resourceId === resourceId)
        .map((w) => w.type);
    expect(types(user.body.id)).toEqual(expect.arrayContaining(["user.created", "user.deactivated", "user.deleted"]));
    const userTypes = types(user.body.id).filter((t) => t !== "role.changed");
    expect(userTypes.indexOf("user.created")).toBeLessThan(userTypes.indexOf("user.deactivated"));
    expect(userTypes.indexOf("user.deactivated")).toBeLessThan(userTypes.indexOf("user.deleted"));
    expect(types(group.body.id)).toEqual(expect.arrayContaining(["group.created", "membership.added"]));
  });

  it("advertises the feed in ServiceProviderConfig (RFC 9967 §4)", async () => {
    const started = await startEventsHost();
    host = started.host;
    const res = await client(host, host.defaultTenant!.token).get("/ServiceProviderConfig");
    expect(res.body.securityEvents).toEqual({ asyncRequest: "none", eventUris: [...SET_EVENT_URIS] });
  });

  it("keeps SCIM requests fast while a subscriber hangs", { timeout: 60_000 }, async () => {
    const started = await startEventsHost({ env: { EVENTS_DELIVERY_TIMEOUT_MS: "5000" } });
    host = started.host;
    const hanging = await startReceiver(() => "hang");
    receivers.push(hanging);
    await createSubscription(contextOf(host, started.tenantId), { format: "set", url: hanging.url });
    const scim = client(host, host.defaultTenant!.token);
    expect((await scim.post("/Users", entraUser("first@example.com"))).status).toBe(201);
    await hanging.waitFor(1);
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const start = performance.now();
      expect((await scim.post("/Users", entraUser(`user${i}@example.com`))).status).toBe(201);
      times.push(performance.now() - start);
    }
    expect(Math.max(...times)).toBeLessThan(1000);
  });
});
