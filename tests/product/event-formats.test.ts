import { createHmac } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { decodeProtectedHeader, jwtVerify } from "jose";
import { describe, expect, it } from "vitest";
import type { EventContent } from "../../shared/contracts/admin-api.js";
import {
  DELIVERY_DEADLINE_MS,
  ROLE_EVENT_URI,
  SCIM_EVENT,
  SET_EVENT_URIS,
  SET_MEDIA_TYPE,
  VERIFICATION_EVENT_URI,
  WebhookVerificationError,
  buildSet,
  buildWebhook,
  describeRefusal,
  newSigningSecret,
  nextAttempt,
  signSet,
  signWebhook,
  testEvent,
  verifySet,
  verifyWebhook,
  type FeedEvent,
  type SetClaims,
} from "../../shared/product/event-formats.js";
import {
  PROVISIONING_EVENT_TYPES,
  eventDoc,
  type EventDoc,
  type ProvisioningEventType,
} from "../../shared/store/event-feed.js";

/** Event formats: RFC 9967 SETs and Standard Webhooks, signed and verified independently; the retry schedule. */

const TIME = "2026-12-05T10:00:00.000Z";
const T = Date.parse(TIME) / 1000;
const USER = "2819c223-7f76-453a-919d-413861904646";
const GROUP = "e9e30dba-f08f-4109-8486-d5c6a331660a";
const BASE = "https://scim.example.com/scim/v2/t1";
const ISSUER = "https://scim.example.com";
const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const SECRET_KEY = Buffer.from("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "base64");

const userData = {
  schemas: ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
  id: USER,
  externalId: "bjensen-ext",
  userName: "bjensen@example.com",
  name: { givenName: "Barbara", familyName: "Jensen" },
  displayName: "Babs",
  active: true,
  emails: [{ value: "bjensen@example.com", type: "work", primary: true }],
  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": { department: "Sales" },
  meta: { resourceType: "User", version: 'W/"3"', location: `${BASE}/Users/${USER}` },
};
const groupData = {
  schemas: ["urn:ietf:params:scim:schemas:core:2.0:Group"],
  id: GROUP,
  externalId: "sales-ext",
  displayName: "Sales",
  meta: { resourceType: "Group", version: 'W/"7"' },
};

/** A stored event exactly as the feed writes it (so these rules accept what the store holds). */
function event(type: ProvisioningEventType, data: Parameters<typeof eventDoc>[0]["data"] = {}): EventDoc {
  const resourceType = type.startsWith("group.") || type.startsWith("membership.") ? "Group" : "User";
  return eventDoc({
    tenantId: "t1",
    type,
    time: TIME,
    resourceType,
    resourceId: resourceType === "User" ? USER : GROUP,
    actor: "Entra token",
    data,
  });
}

const patchOp = (...Operations: unknown[]) => ({
  schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
  Operations,
});
const userSub = { format: "scim", uri: `/Users/${USER}`, id: USER, externalId: "bjensen-ext" } as const;
const groupSub = { format: "scim", uri: `/Groups/${GROUP}`, id: GROUP, externalId: "sales-ext" } as const;

describe("buildSet", () => {
  const cases: [string, EventDoc, EventContent, SetClaims["sub_id"], SetClaims["events"]][] = [
    [
      "user.created full: the representation",
      event("user.created", { data: userData, changedAttributes: ["userName", "active"] }),
      "full",
      userSub,
      { [SCIM_EVENT.createFull]: { version: 'W/"3"', data: userData } },
    ],
    [
      "user.created notice: the attributes it was created with",
      event("user.created", { data: userData }),
      "notice",
      userSub,
      {
        [SCIM_EVENT.createNotice]: {
          version: 'W/"3"',
          attributes: [
            "active",
            "displayName",
            "emails",
            "externalId",
            "id",
            "name",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
            "userName",
          ],
        },
      },
    ],
    [
      "user.changed full: a PatchOp replaying each changed attribute",
      event("user.changed", {
        data: userData,
        changedAttributes: [
          "displayName",
          "name.givenName",
          "name.middleName",
          "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
          "title",
          "password",
          "schemas",
        ],
      }),
      "full",
      userSub,
      {
        [SCIM_EVENT.patchFull]: {
          version: 'W/"3"',
          data: patchOp(
            { op: "replace", path: "displayName", value: "Babs" },
            { op: "replace", path: "name.givenName", value: "Barbara" },
            { op: "remove", path: "name.middleName" },
            {
              op: "replace",
              path: "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
              value: "Sales",
            },
            { op: "remove", path: "title" },
          ),
        },
      },
    ],
    [
      "user.changed notice: the changed attributes",
      event("user.changed", { data: userData, changedAttributes: ["displayName", "name.givenName"] }),
      "notice",
      userSub,
      { [SCIM_EVENT.patchNotice]: { version: 'W/"3"', attributes: ["displayName", "name.givenName"] } },
    ],
    [
      "user.deactivated: prov:deactivate without payload",
      event("user.deactivated", { data: { ...userData, active: false }, changedAttributes: ["active"] }),
      "full",
      userSub,
      { [SCIM_EVENT.deactivate]: {} },
    ],
    [
      "user.deactivated with other changes: the patch beside it",
      event("user.deactivated", { data: { ...userData, active: false }, changedAttributes: ["active", "displayName"] }),
      "full",
      userSub,
      {
        [SCIM_EVENT.patchFull]: {
          version: 'W/"3"',
          data: patchOp({ op: "replace", path: "displayName", value: "Babs" }),
        },
        [SCIM_EVENT.deactivate]: {},
      },
    ],
    [
      "user.deactivated notice",
      event("user.deactivated", { data: userData, changedAttributes: ["active"] }),
      "notice",
      userSub,
      { [SCIM_EVENT.deactivate]: {} },
    ],
    [
      "user.activated",
      event("user.activated", { data: userData, changedAttributes: ["active"] }),
      "full",
      userSub,
      { [SCIM_EVENT.activate]: {} },
    ],
    [
      "user.deleted: prov:delete, subject with the externalId it had",
      event("user.deleted", { data: userData }),
      "full",
      userSub,
      { [SCIM_EVENT.delete]: {} },
    ],
    [
      "group.created full, meta.location added",
      event("group.created", { data: groupData }),
      "full",
      groupSub,
      {
        [SCIM_EVENT.createFull]: {
          version: 'W/"7"',
          data: { ...groupData, meta: { ...groupData.meta, location: `${BASE}/Groups/${GROUP}` } },
        },
      },
    ],
    [
      "group.changed full: members never patched (membership events carry them)",
      event("group.changed", { data: groupData, changedAttributes: ["displayName", "members"] }),
      "full",
      groupSub,
      {
        [SCIM_EVENT.patchFull]: {
          version: 'W/"7"',
          data: patchOp({ op: "replace", path: "displayName", value: "Sales" }),
        },
      },
    ],
    ["group.deleted", event("group.deleted", { data: groupData }), "notice", groupSub, { [SCIM_EVENT.delete]: {} }],
    [
      "membership.added full: a PatchOp adding the members",
      event("membership.added", { members: ["u1", "u2"] }),
      "full",
      { format: "scim", uri: `/Groups/${GROUP}`, id: GROUP },
      {
        [SCIM_EVENT.patchFull]: {
          data: patchOp({
            op: "add",
            path: "members",
            value: [
              { value: "u1", type: "User" },
              { value: "u2", type: "User" },
            ],
          }),
        },
      },
    ],
    [
      "membership.removed full: one remove per member",
      event("membership.removed", { members: ["u1", 'od"d'] }),
      "full",
      { format: "scim", uri: `/Groups/${GROUP}`, id: GROUP },
      {
        [SCIM_EVENT.patchFull]: {
          data: patchOp(
            { op: "remove", path: 'members[value eq "u1"]' },
            { op: "remove", path: 'members[value eq "od\\"d"]' },
          ),
        },
      },
    ],
    [
      "membership.added notice",
      event("membership.added", { members: ["u1"] }),
      "notice",
      { format: "scim", uri: `/Groups/${GROUP}`, id: GROUP },
      { [SCIM_EVENT.patchNotice]: { attributes: ["members"] } },
    ],
    [
      "role.changed: the private role event, with why",
      event("role.changed", { role: { from: "Member", to: "Admin", because: "member of group Admins" } }),
      "notice",
      { format: "scim", uri: `/Users/${USER}`, id: USER },
      { [ROLE_EVENT_URI]: { from: "Member", to: "Admin", because: "member of group Admins" } },
    ],
  ];

  it.each(cases)("%s", (_name, ev, content, subId, events) => {
    expect(buildSet(ev, { issuer: ISSUER, audience: "sub-1", content, baseUrl: BASE })).toEqual({
      iss: ISSUER,
      iat: T,
      jti: ev.id,
      aud: "sub-1",
      txn: ev.id,
      toe: T,
      sub_id: subId,
      events,
    });
  });

  it("maps every event type of the feed, to URIs ServiceProviderConfig advertises", () => {
    const seen = new Set(cases.map(([, ev]) => ev.type));
    expect([...seen].sort()).toEqual([...PROVISIONING_EVENT_TYPES].sort());
    for (const [, ev, content] of cases) {
      for (const uri of Object.keys(buildSet(ev, { issuer: ISSUER, content, baseUrl: BASE }).events)) {
        expect(SET_EVENT_URIS).toContain(uri);
      }
    }
  });

  it("falls back to a notice when a full event has no representation (full events must carry data)", () => {
    const claims = buildSet(event("user.changed", { changedAttributes: ["displayName"] }), {
      issuer: ISSUER,
      content: "full",
      baseUrl: BASE,
    });
    expect(claims.events).toEqual({ [SCIM_EVENT.patchNotice]: { attributes: ["displayName"] } });
    expect(claims).not.toHaveProperty("aud");
  });

  it("adds no meta.location without an absolute base URL", () => {
    const claims = buildSet(event("group.created", { data: groupData }), {
      issuer: ISSUER,
      content: "full",
      baseUrl: "",
    });
    expect(claims.events).toEqual({ [SCIM_EVENT.createFull]: { version: 'W/"7"', data: groupData } });
  });

  it("takes iat from issuedAt when given, toe stays the change's time", () => {
    const claims = buildSet(event("user.deleted"), {
      issuer: ISSUER,
      content: "full",
      baseUrl: BASE,
      issuedAt: new Date("2026-12-05T11:00:00.500Z"),
    });
    expect([claims.iat, claims.toe]).toEqual([T + 3600, T]);
  });

  it("makes a test event a verification SET with an opaque subject", () => {
    const test = testEvent("t1", new Date(TIME), "admin@example.com");
    expect(buildSet(test, { issuer: ISSUER, content: "full", baseUrl: BASE })).toEqual({
      iss: ISSUER,
      iat: T,
      jti: test.id,
      txn: test.id,
      toe: T,
      sub_id: { format: "opaque", id: test.resourceId },
      events: { [VERIFICATION_EVENT_URI]: { state: test.id } },
    });
  });
});

describe("signSet / verifySet", () => {
  const created = buildSet(event("user.created", { data: userData }), {
    issuer: ISSUER,
    audience: "sub-1",
    content: "full",
    baseUrl: BASE,
  });
  const claims = () => created;

  it("signs a compact JWS that jose verifies with the secret's bytes, typ secevent+jwt", async () => {
    const jwt = await signSet(claims(), SECRET);
    expect(jwt.split(".")).toHaveLength(3);
    const { payload, protectedHeader } = await jwtVerify(jwt, SECRET_KEY, {
      algorithms: ["HS256"],
      typ: SET_MEDIA_TYPE,
      issuer: ISSUER,
      audience: "sub-1",
    });
    expect(protectedHeader).toMatchObject({ alg: "HS256", typ: "secevent+jwt" });
    expect(payload).toEqual(claims());
  });

  it("names the key in kid: the same for the same secret, different after rotation", async () => {
    const other = newSigningSecret();
    const kid = (jwt: string) => decodeProtectedHeader(jwt).kid;
    expect(kid(await signSet(claims(), SECRET))).toBe(kid(await signSet(claims(), SECRET)));
    expect(kid(await signSet(claims(), SECRET))).not.toBe(kid(await signSet(claims(), other)));
  });

  it("verifySet returns the claims, and refuses another secret, issuer, audience or a tampered token", async () => {
    const jwt = await signSet(claims(), SECRET);
    await expect(verifySet(jwt, SECRET, { issuer: ISSUER, audience: "sub-1" })).resolves.toEqual(claims());
    await expect(verifySet(jwt, newSigningSecret(), { issuer: ISSUER })).rejects.toThrow("signature");
    await expect(verifySet(jwt, SECRET, { issuer: "https://evil.example" })).rejects.toThrow('"iss"');
    await expect(verifySet(jwt, SECRET, { issuer: ISSUER, audience: "sub-2" })).rejects.toThrow('"aud"');
    const [h, p, s] = jwt.split(".");
    const forged = Buffer.from(JSON.stringify({ ...claims(), events: {} })).toString("base64url");
    await expect(verifySet(`${h}.${forged}.${s}`, SECRET, { issuer: ISSUER })).rejects.toThrow("signature");
    expect(p).not.toBe(forged);
  });

  it("refuses a JWT that is not typed as a SET", async () => {
    const { SignJWT } = await import("jose");
    const plain = await new SignJWT({ ...claims() }).setProtectedHeader({ alg: "HS256", typ: "JWT" }).sign(SECRET_KEY);
    await expect(verifySet(plain, SECRET, { issuer: ISSUER })).rejects.toThrow('"typ"');
  });

  it("refuses a secret that is not whsec_ base64 of enough bytes, without echoing it", async () => {
    await expect(signSet(claims(), "whsec_short")).rejects.toThrow("at least 16 random bytes");
    await expect(signSet(claims(), "whsec_not base64!!")).rejects.not.toThrow("not base64");
  });
});

describe("buildWebhook / signWebhook / verifyWebhook", () => {
  const ev = event("user.changed", { data: userData, changedAttributes: ["displayName"] });
  const at = new Date("2026-12-05T10:00:05.900Z");

  it("builds {type, timestamp, data}; full carries the resource, notice only ids and what changed", () => {
    const common = {
      eventId: ev.id,
      tenantId: "t1",
      resourceType: "User",
      resourceId: USER,
      actor: "Entra token",
      changedAttributes: ["displayName"],
    };
    const full = buildWebhook(ev, "full");
    expect(full.id).toBe(ev.id);
    expect(JSON.parse(full.body)).toEqual({
      type: "user.changed",
      timestamp: TIME,
      data: { ...common, resource: userData },
    });
    expect(JSON.parse(buildWebhook(ev, "notice").body)).toEqual({
      type: "user.changed",
      timestamp: TIME,
      data: common,
    });
  });

  it("carries members and role for membership and role events", () => {
    const added = JSON.parse(buildWebhook(event("membership.added", { members: ["u1"] }), "full").body);
    expect(added.data.members).toEqual(["u1"]);
    const role = { from: null, to: "Admin", because: "the first admin" };
    expect(JSON.parse(buildWebhook(event("role.changed", { role }), "notice").body).data.role).toEqual(role);
  });

  it("builds a test event both formats accept", () => {
    const test = testEvent("t1", new Date(TIME));
    expect(test).toMatchObject({ type: "test", resourceType: "Test", tenantId: "t1", time: TIME, actor: "test" });
    expect(test.resourceId).not.toBe(testEvent("t1", new Date(TIME)).resourceId);
    expect(JSON.parse(buildWebhook(test, "full").body)).toEqual({
      type: "test",
      timestamp: TIME,
      data: {
        eventId: test.id,
        tenantId: "t1",
        resourceType: "Test",
        resourceId: test.resourceId,
        actor: "test",
        message: "A test event: the subscription works.",
      },
    });
  });

  it("signs v1,<base64 HMAC-SHA256 of id.timestamp.body> with the secret's bytes (checked with node:crypto)", () => {
    const { id, body } = buildWebhook(ev, "full");
    const headers = signWebhook({ id, timestamp: at, body }, [SECRET]);
    const expected = createHmac("sha256", SECRET_KEY)
      .update(`${id}.${T + 5}.${body}`)
      .digest("base64");
    expect(headers).toEqual({
      "webhook-id": ev.id,
      "webhook-timestamp": String(T + 5),
      "webhook-signature": `v1,${expected}`,
    });
  });

  it("signs with every secret during a rotation, space-separated; either secret verifies", () => {
    const { id, body } = buildWebhook(ev, "notice");
    const next = newSigningSecret();
    const headers = signWebhook({ id, timestamp: at, body }, [next, SECRET]);
    const parts = headers["webhook-signature"].split(" ");
    expect(parts).toHaveLength(2);
    const sig = (key: Buffer) =>
      `v1,${createHmac("sha256", key)
        .update(`${id}.${T + 5}.${body}`)
        .digest("base64")}`;
    expect(parts).toEqual([sig(Buffer.from(next.slice(6), "base64")), sig(SECRET_KEY)]);
    expect(verifyWebhook(headers, body, SECRET, { now: at }).type).toBe("user.changed");
    expect(verifyWebhook(headers, body, next, { now: at }).type).toBe("user.changed");
    expect(() => verifyWebhook(headers, body, newSigningSecret(), { now: at })).toThrow(WebhookVerificationError);
    expect(() => signWebhook({ id, timestamp: at, body }, [])).toThrow("at least one signing secret");
  });

  it("verifies within the tolerance only, and refuses a changed body or missing headers", () => {
    const { id, body } = buildWebhook(ev, "full");
    const headers = signWebhook({ id, timestamp: at, body }, [SECRET]);
    const later = (s: number) => new Date(at.getTime() + s * 1000);
    expect(verifyWebhook(headers, body, SECRET, { now: later(300) }).data.eventId).toBe(ev.id);
    expect(verifyWebhook(headers, body, SECRET, { now: later(-300) }).data.eventId).toBe(ev.id);
    expect(() => verifyWebhook(headers, body, SECRET, { now: later(301) })).toThrow("tolerance");
    expect(() => verifyWebhook(headers, body, SECRET, { now: later(-301) })).toThrow("tolerance");
    expect(() => verifyWebhook(headers, body, SECRET, { now: later(50), toleranceSeconds: 30 })).toThrow("tolerance");
    expect(() => verifyWebhook(headers, body.replace("Babs", "Bobs"), SECRET, { now: at })).toThrow(
      "No webhook-signature matches",
    );
    expect(() => verifyWebhook({ ...headers, "webhook-id": "other" }, body, SECRET, { now: at })).toThrow(
      "No webhook-signature matches",
    );
    expect(() => verifyWebhook({ "webhook-id": id }, body, SECRET, { now: at })).toThrow("Missing");
    expect(verifyWebhook(new Headers(headers), body, SECRET, { now: at }).type).toBe("user.changed");
    const upper = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toUpperCase(), [v]]));
    expect(verifyWebhook(upper, body, SECRET, { now: at }).type).toBe("user.changed");
  });
});

describe("newSigningSecret", () => {
  it("is whsec_ and the base64 of 32 random bytes", () => {
    const a = newSigningSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(a.slice(6), "base64")).toHaveLength(32);
    expect(newSigningSecret()).not.toBe(a);
  });
});

describe("nextAttempt", () => {
  const first = new Date(TIME);
  const plus = (ms: number) => new Date(first.getTime() + ms);
  const S = 1000;
  const M = 60 * S;
  const H = 60 * M;

  it.each([
    [1, 10 * S],
    [2, 30 * S],
    [3, 2 * M],
    [4, 10 * M],
    [5, 30 * M],
    [6, H],
    [7, H],
    [30, H],
  ])("after %i failed attempts waits %i ms (no jitter at random 0.5)", (attempts, wait) => {
    const now = plus(5 * S);
    expect(nextAttempt(attempts, first, now, () => 0.5)).toEqual(new Date(now.getTime() + wait));
  });

  it("jitters each wait by ±20 %", () => {
    const now = plus(0);
    expect(nextAttempt(3, first, now, () => 0)).toEqual(plus(96 * S));
    expect(nextAttempt(3, first, now, () => 0.999999)).toEqual(plus(144 * S));
    for (let i = 0; i < 200; i++) {
      const wait = (nextAttempt(2, first, now) as Date).getTime() - now.getTime();
      expect(wait).toBeGreaterThanOrEqual(24 * S);
      expect(wait).toBeLessThanOrEqual(36 * S);
    }
  });

  it("grows monotonically, even at the jitter's extremes between steps", () => {
    let previousMax = 0;
    for (let attempts = 1; attempts <= 6; attempts++) {
      const low = (nextAttempt(attempts, first, first, () => 0) as Date).getTime() - first.getTime();
      const high = (nextAttempt(attempts, first, first, () => 0.999999) as Date).getTime() - first.getTime();
      expect(low).toBeGreaterThan(previousMax);
      previousMax = high;
    }
  });

  it("is due now before any attempt", () => {
    expect(nextAttempt(0, first, plus(7 * S))).toEqual(plus(7 * S));
  });

  it("retries a last time at the deadline, and is dead from 24 hours after the first attempt on", () => {
    expect(nextAttempt(20, first, plus(DELIVERY_DEADLINE_MS - 10 * M), () => 0.5)).toEqual(plus(DELIVERY_DEADLINE_MS));
    expect(nextAttempt(20, first, plus(DELIVERY_DEADLINE_MS - 1), () => 0.5)).toEqual(plus(DELIVERY_DEADLINE_MS));
    expect(nextAttempt(20, first, plus(DELIVERY_DEADLINE_MS))).toBe("dead");
    expect(nextAttempt(1, first, plus(DELIVERY_DEADLINE_MS + H))).toBe("dead");
    expect(DELIVERY_DEADLINE_MS).toBe(24 * H);
  });

  it("plays out a day of failures: about 30 attempts, then dead", () => {
    let now = first;
    let attempts = 0;
    for (;;) {
      attempts++;
      const next = nextAttempt(attempts, first, now);
      if (next === "dead") break;
      expect(next.getTime()).toBeGreaterThan(now.getTime());
      now = next;
    }
    expect(now.getTime()).toBe(first.getTime() + DELIVERY_DEADLINE_MS);
    expect(attempts).toBeGreaterThan(20);
    expect(attempts).toBeLessThan(40);
  });
});

describe("describeRefusal", () => {
  it.each([
    [
      400,
      '{"err":"invalid_key","description":"Key ID 12345 has been revoked."}',
      "HTTP 400 invalid_key: Key ID 12345 has been revoked.",
    ],
    [400, '{"err":"invalid_request"}', "HTTP 400 invalid_request"],
    [500, "<html>\n  Internal   error </html>", "HTTP 500: <html> Internal error </html>"],
    [503, "", "HTTP 503"],
    [404, "x".repeat(500), `HTTP 404: ${"x".repeat(200)}`],
  ])("%i %s → %s", (status, body, expected) => {
    expect(describeRefusal(status, body)).toBe(expected);
  });
});

/**
 * The README's "Verifying events" examples, verbatim: written as modules beside the project's packages
 * (so `jose` resolves) and run against what this service sends.
 */
const README_WEBHOOK = `import { createHmac, timingSafeEqual } from "node:crypto";

/** Returns the event if the webhook is from the service and fresh; throws otherwise. */
export function verifyWebhook(headers, rawBody, secret) {
  const id = headers["webhook-id"];
  const timestamp = headers["webhook-timestamp"];
  const signatures = headers["webhook-signature"];
  if (!id || !timestamp || !signatures) throw new Error("not a signed webhook");
  if (Math.abs(Date.now() / 1000 - Number(timestamp)) > 300) throw new Error("too old, or from the future");
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  const expected = createHmac("sha256", key).update(\`\${id}.\${timestamp}.\${rawBody}\`).digest();
  const valid = signatures.split(" ").some((entry) => {
    const [version, signature] = entry.split(",");
    const given = Buffer.from(signature ?? "", "base64");
    return version === "v1" && given.length === expected.length && timingSafeEqual(given, expected);
  });
  if (!valid) throw new Error("bad signature");
  return JSON.parse(rawBody); // { type: "user.deactivated", timestamp, data: { resourceId, ... } }
}
`;

const README_SET = `import { jwtVerify } from "jose";

/** Returns the SET's claims if it is from the service and for you; throws otherwise. */
export async function verifySet(jwt, secret, issuer, audience) {
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  const { payload } = await jwtVerify(jwt, key, { algorithms: ["HS256"], typ: "secevent+jwt", issuer, audience });
  return payload; // { jti, sub_id: { format: "scim", uri: "/Users/..." }, events: { "urn:ietf:params:scim:event:prov:...": {...} } }
}
`;

async function loadExample(name: string, code: string): Promise<Record<string, (...args: any[]) => any>> {
  const dir = join(process.cwd(), "node_modules", ".cache", "readme-examples");
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}-${process.pid}.mjs`);
  writeFileSync(file, code);
  return import(/* @vite-ignore */ pathToFileURL(file).href);
}

describe("README: Verifying events", () => {
  it("the node:crypto example verifies a webhook as sent, and refuses a changed one", async () => {
    const { verifyWebhook: readmeVerify } = await loadExample("webhook", README_WEBHOOK);
    const ev = event("user.deactivated", { data: { ...userData, active: false }, changedAttributes: ["active"] });
    const { id, body } = buildWebhook(ev, "notice");
    const headers = signWebhook({ id, timestamp: new Date(), body }, [newSigningSecret(), SECRET]);
    expect(readmeVerify!(headers, body, SECRET)).toEqual(JSON.parse(body));
    expect(() => readmeVerify!(headers, body.replace("t1", "t2"), SECRET)).toThrow("bad signature");
    const old = signWebhook({ id, timestamp: new Date(Date.now() - 600_000), body }, [SECRET]);
    expect(() => readmeVerify!(old, body, SECRET)).toThrow("too old");
  });

  it("the jose example verifies a SET as sent, and refuses another audience", async () => {
    const { verifySet: readmeVerify } = await loadExample("set", README_SET);
    const claims = buildSet(event("user.deleted", { data: userData }), {
      issuer: ISSUER,
      audience: "sub-1",
      content: "notice",
      baseUrl: BASE,
    });
    const jwt = await signSet(claims, SECRET);
    await expect(readmeVerify!(jwt, SECRET, ISSUER, "sub-1")).resolves.toEqual(claims);
    await expect(readmeVerify!(jwt, SECRET, ISSUER, "sub-2")).rejects.toThrow('"aud"');
  });
});

/** FeedEvent is what both builders take; an EventDoc must stay one (a compile-time check as much as a test). */
const _asFeedEvent: (doc: EventDoc) => FeedEvent = (doc) => doc;
void _asFeedEvent;
