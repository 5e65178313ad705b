import { createHmac, createHash, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import { SignJWT, jwtVerify } from "jose";
import type { EventContent } from "../contracts/admin-api.js";
import { URN } from "../scim/urns.js";
import { isObject } from "../scim/json.js";

/**
 * The wire formats of provisioning events and the rules of their delivery, as pure functions:
 * an event as an RFC 9967 Security Event Token (RFC 8417, pushed per RFC 8935 or polled per
 * RFC 8936), or as a JSON webhook signed per the Standard Webhooks conventions; the signing
 * secret; and the retry schedule. Time and randomness are the only inputs besides the event.
 */

/** The event types of the feed (store/event-feed.ts), plus `test` for "send test event". */
type FeedEventType =
  | "user.created"
  | "user.changed"
  | "user.activated"
  | "user.deactivated"
  | "user.deleted"
  | "group.created"
  | "group.changed"
  | "group.deleted"
  | "membership.added"
  | "membership.removed"
  | "role.changed"
  | "test";

/**
 * What the formats read of an event. A stored EventDoc (store/event-feed.ts) is one: product rules
 * may not import the store, so the shape is restated here, and passing an EventDoc to buildSet or
 * buildWebhook stops compiling if the store gains an event type these rules do not map.
 */
export interface FeedEvent {
  id: string;
  tenantId: string;
  type: FeedEventType;
  /** ISO 8601: when the change happened. */
  time: string;
  resourceType: "User" | "Group" | "Test";
  resourceId: string;
  actor: string;
  /** The resource's SCIM representation after the change (before it, for a delete), without `members`. */
  data?: Record<string, unknown>;
  changedAttributes?: string[];
  members?: string[];
  role?: { from: string | null; to: string | null; because: string };
}

/** RFC 9967 §2.3–2.4 event URIs, spelled exactly as the RFC registers them (lower-case `scim`). */
export const SCIM_EVENT = {
  createFull: "urn:ietf:params:scim:event:prov:create:full",
  createNotice: "urn:ietf:params:scim:event:prov:create:notice",
  patchFull: "urn:ietf:params:scim:event:prov:patch:full",
  patchNotice: "urn:ietf:params:scim:event:prov:patch:notice",
  delete: "urn:ietf:params:scim:event:prov:delete",
  activate: "urn:ietf:params:scim:event:prov:activate",
  deactivate: "urn:ietf:params:scim:event:prov:deactivate",
} as const;

/**
 * role.changed has no RFC 9967 event: the product's role is computed from group membership and
 * settings, it is no attribute of the SCIM User (a GET never shows it), so a `prov:patch` of an
 * invented attribute would tell a replicating receiver something the resource does not say. A
 * private event type carries it instead (RFC 8417 §2.2 allows any collision-resistant URI); it
 * stays out of the IETF `urn:ietf:params:` namespace, which only registration may assign.
 */
export const ROLE_EVENT_URI = "urn:scimfunctions:event:role:changed";

/** "Send test event": the OpenID Shared Signals verification event, the standard "is this stream working" SET. */
export const VERIFICATION_EVENT_URI = "https://schemas.openid.net/secevent/ssf/event-type/verification";

/** Every event URI a SET of this service may carry: `ServiceProviderConfig.securityEvents.eventUris` (RFC 9967 §4). */
export const SET_EVENT_URIS: readonly string[] = [...Object.values(SCIM_EVENT), ROLE_EVENT_URI];

/** RFC 8935 §2: the media type of a pushed SET (and the JWS `typ`, RFC 8417 §2.3, without `application/`). */
export const SET_MEDIA_TYPE = "application/secevent+jwt";

/** The claims of one SET (RFC 8417 §2.2, RFC 9967 §2.1). */
export type SetClaims = {
  iss: string;
  /** Seconds: when the SET was issued (the event's time unless `issuedAt` is given: retries send the same claims). */
  iat: number;
  /** The event id: a retransmission keeps it, so a receiver drops duplicates (RFC 8935 §2.2). */
  jti: string;
  aud?: string;
  /** RFC 8417 §2.2 transaction identifier: the change, the same across retransmissions (RFC 9967 §2.1). */
  txn: string;
  /** Seconds: when the change happened (RFC 8417 §2.2 `toe`). */
  toe: number;
  sub_id: ScimSubject | { format: "opaque"; id: string };
  events: Record<string, Record<string, unknown>>;
};

/** RFC 9967 §2.2 `scim` subject identifier: the resource's relative path, its id, and its externalId when known. */
interface ScimSubject {
  format: "scim";
  uri: string;
  id: string;
  externalId?: string;
}

const ENDPOINT = { User: "/Users", Group: "/Groups" } as const;
const seconds = (iso: string) => Math.floor(Date.parse(iso) / 1000);

/**
 * An event as SET claims (RFC 9967). The mapping, per event type:
 * - `*.created`: `prov:create:full` with the representation as `data`, or `prov:create:notice` naming its attributes;
 * - `*.changed`: `prov:patch:full` whose `data` is a PatchOp that replays the change (a `replace` or `remove` per
 *   changed attribute: exact, and unlike a `put` it never wipes a group's members, which events leave out), or
 *   `prov:patch:notice` naming the changed attributes;
 * - `user.activated` / `user.deactivated`: `prov:activate` / `prov:deactivate` (no payload, §2.4.5–6), with the patch
 *   event beside it when the same change touched other attributes, so a replica misses nothing;
 * - `*.deleted`: `prov:delete` (no payload);
 * - `membership.*`: a `prov:patch` of the Group: `add` of `members`, or one `remove` of `members[value eq "…"]` each;
 * - `role.changed`: ROLE_EVENT_URI with `{from, to, because}` (see there why not a SCIM event);
 * - `test`: the Shared Signals verification event, subject the test event's opaque id.
 * `baseUrl` is the tenant's SCIM base URL: a full representation without `meta.location` gets it (none without an
 * absolute http(s) base: a relative location would be no URI a receiver can GET).
 */
export function buildSet(
  event: FeedEvent,
  opts: { issuer: string; audience?: string; content: EventContent; baseUrl: string; issuedAt?: Date },
): SetClaims {
  const toe = seconds(event.time);
  return {
    iss: opts.issuer,
    iat: opts.issuedAt ? Math.floor(opts.issuedAt.getTime() / 1000) : toe,
    jti: event.id,
    ...(opts.audience !== undefined ? { aud: opts.audience } : {}),
    txn: event.id,
    toe,
    sub_id: subject(event),
    events: setEvents(event, opts.content, opts.baseUrl),
  };
}

function subject(event: FeedEvent): SetClaims["sub_id"] {
  if (event.resourceType === "Test") return { format: "opaque", id: event.resourceId };
  const externalId = event.data?.externalId;
  return {
    format: "scim",
    uri: `${ENDPOINT[event.resourceType]}/${event.resourceId}`,
    id: event.resourceId,
    ...(typeof externalId === "string" ? { externalId } : {}),
  };
}

function setEvents(event: FeedEvent, content: EventContent, baseUrl: string): SetClaims["events"] {
  const full = content === "full";
  switch (event.type) {
    case "user.created":
    case "group.created":
      return event.data && full
        ? { [SCIM_EVENT.createFull]: withVersion(event, { data: located(event, baseUrl) }) }
        : { [SCIM_EVENT.createNotice]: withVersion(event, { attributes: createdAttributes(event) }) };
    case "user.changed":
    case "group.changed":
      return patchEvent(event, full, event.changedAttributes ?? []);
    case "user.activated":
    case "user.deactivated": {
      const uri = event.type === "user.activated" ? SCIM_EVENT.activate : SCIM_EVENT.deactivate;
      const others = (event.changedAttributes ?? []).filter((a) => a !== "active");
      return { ...(others.length > 0 ? patchEvent(event, full, others) : {}), [uri]: {} };
    }
    case "user.deleted":
    case "group.deleted":
      return { [SCIM_EVENT.delete]: {} };
    case "membership.added":
    case "membership.removed": {
      if (!full) return { [SCIM_EVENT.patchNotice]: { attributes: ["members"] } };
      const members = event.members ?? [];
      const Operations =
        event.type === "membership.added"
          ? [{ op: "add", path: "members", value: members.map((value) => ({ value, type: "User" })) }]
          : members.map((value) => ({ op: "remove", path: `members[value eq ${JSON.stringify(value)}]` }));
      return { [SCIM_EVENT.patchFull]: { data: { schemas: [URN.patchOp], Operations } } };
    }
    case "role.changed":
      return { [ROLE_EVENT_URI]: { ...event.role } };
    case "test":
      return { [VERIFICATION_EVENT_URI]: { state: event.id } };
  }
}

/** `prov:patch:full` replaying `attributes` from the representation after the change, or `prov:patch:notice`. */
function patchEvent(event: FeedEvent, full: boolean, attributes: string[]): SetClaims["events"] {
  if (!full || !event.data) return { [SCIM_EVENT.patchNotice]: withVersion(event, { attributes }) };
  const data = event.data;
  const Operations = attributes
    .filter((path) => !NOT_PATCHED.has(path.split(".")[0] ?? path))
    .map((path) => {
      const value = valueAt(data, path);
      return value === undefined ? { op: "remove", path } : { op: "replace", path, value };
    });
  return { [SCIM_EVENT.patchFull]: withVersion(event, { data: { schemas: [URN.patchOp], Operations } }) };
}

/**
 * Attributes a replayed PatchOp leaves out: `schemas`, `id` and `meta` are not patchable, `password` is never
 * returned (its absence in the representation is no removal), and `members` travel as membership events.
 */
const NOT_PATCHED = new Set(["schemas", "id", "meta", "password", "members"]);

/** The value at a changedAttributes path: `name`, `name.givenName`, or `urn:…:User:employeeNumber` (scim/changes.ts). */
function valueAt(data: Record<string, unknown>, path: string): unknown {
  if (path.startsWith("urn:")) {
    const schema = Object.keys(data)
      .filter((key) => path.startsWith(`${key}:`))
      .sort((a, b) => b.length - a.length)[0];
    if (schema === undefined) return data[path];
    const parent = data[schema];
    return isObject(parent) ? parent[path.slice(schema.length + 1)] : undefined;
  }
  const [head = path, sub] = path.split(".", 2);
  if (sub === undefined) return data[head];
  const parent = data[head];
  return isObject(parent) ? parent[sub] : undefined;
}

/** create:notice names what the new resource has: the attributes the change set, else those of its representation. */
function createdAttributes(event: FeedEvent): string[] {
  if (event.changedAttributes && event.changedAttributes.length > 0) return event.changedAttributes;
  return Object.keys(event.data ?? {})
    .filter((key) => key !== "schemas" && key !== "meta")
    .sort();
}

/** RFC 9967 §2.1 `version`: the resource's ETag after the change, when its representation has one. */
function withVersion(event: FeedEvent, payload: Record<string, unknown>): Record<string, unknown> {
  const meta = event.data?.meta;
  const version = isObject(meta) ? meta.version : undefined;
  return typeof version === "string" ? { version, ...payload } : payload;
}

/** The representation with an absolute `meta.location` (RFC 7643 §3.1), which a receiver can GET. */
function located(event: FeedEvent, baseUrl: string): Record<string, unknown> {
  const data = event.data ?? {};
  if (event.resourceType === "Test") return data;
  const meta = isObject(data.meta) ? data.meta : {};
  if (typeof meta.location === "string" || !/^https?:\/\//.test(baseUrl)) return data;
  const location = `${baseUrl.replace(/\/+$/, "")}${ENDPOINT[event.resourceType]}/${event.resourceId}`;
  return { ...data, meta: { resourceType: event.resourceType, ...meta, location } };
}

/** The key both formats sign with: the bytes of a `whsec_` secret (Standard Webhooks: base64 after the prefix). */
function secretKey(secret: string): Buffer {
  const encoded = secret.startsWith("whsec_") ? secret.slice("whsec_".length) : secret;
  const key = Buffer.from(encoded, "base64");
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded) || key.length < 16) {
    throw new Error("The signing secret must be whsec_ followed by the base64 of at least 16 random bytes.");
  }
  return key;
}

/** A key id for the JWS header: a fingerprint of the key, so a receiver rotating secrets knows which one to use. */
const keyId = (key: Buffer) => createHash("sha256").update(key).digest("base64url").slice(0, 16);

/** The SET as a compact JWS (RFC 7515): HS256 over the subscription secret's bytes, `typ: secevent+jwt` (RFC 8417 §2.3). */
export async function signSet(claims: SetClaims, secret: string): Promise<string> {
  const key = secretKey(secret);
  return new SignJWT({ ...claims })
    .setProtectedHeader({ alg: "HS256", typ: "secevent+jwt", kid: keyId(key) })
    .sign(key);
}

/**
 * Verifies a SET as a receiver does: the HS256 signature with the secret, `typ`, `iss` and (when given) `aud`,
 * and that it names a subject and events. Throws (jose's error, or an Error saying what is missing) otherwise.
 */
export async function verifySet(
  jwt: string,
  secret: string,
  expected: { issuer: string; audience?: string },
): Promise<SetClaims> {
  const { payload } = await jwtVerify(jwt, secretKey(secret), {
    algorithms: ["HS256"],
    typ: "secevent+jwt",
    issuer: expected.issuer,
    ...(expected.audience !== undefined ? { audience: expected.audience } : {}),
  });
  if (!isObject(payload.sub_id) || !isObject(payload.events) || typeof payload.jti !== "string") {
    throw new Error("The SET has no sub_id, events or jti (RFC 8417 §2.2, RFC 9967 §2.1).");
  }
  return payload as unknown as SetClaims;
}

/**
 * An event as a Standard Webhooks message: `{type, timestamp, data}`, the id the event's (stable across retries,
 * the receiver's idempotency key). `data` carries the resource's ids, who changed it and what changed; `full`
 * adds the representation as `resource`.
 */
export function buildWebhook(event: FeedEvent, content: EventContent): { id: string; body: string } {
  const data: Record<string, unknown> = {
    eventId: event.id,
    tenantId: event.tenantId,
    resourceType: event.resourceType,
    resourceId: event.resourceId,
    actor: event.actor,
    ...(event.changedAttributes ? { changedAttributes: event.changedAttributes } : {}),
    ...(event.members ? { members: event.members } : {}),
    ...(event.role ? { role: event.role } : {}),
    ...(event.type === "test" ? { message: "A test event: the subscription works." } : {}),
    ...(content === "full" && event.data ? { resource: event.data } : {}),
  };
  return { id: event.id, body: JSON.stringify({ type: event.type, timestamp: event.time, data }) };
}

const signature = (key: Buffer, id: string, timestamp: number, body: string) =>
  createHmac("sha256", key).update(`${id}.${timestamp}.${body}`).digest("base64");

/**
 * The Standard Webhooks headers of one attempt: `webhook-signature` is `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`
 * per secret, space-separated: during a rotation both the new and the previous secret sign, so a receiver that
 * has either accepts the message.
 */
export function signWebhook(
  message: { id: string; timestamp: Date; body: string },
  secrets: string[],
): Record<"webhook-id" | "webhook-timestamp" | "webhook-signature", string> {
  if (secrets.length === 0) throw new Error("A webhook needs at least one signing secret.");
  const timestamp = Math.floor(message.timestamp.getTime() / 1000);
  return {
    "webhook-id": message.id,
    "webhook-timestamp": String(timestamp),
    "webhook-signature": secrets
      .map((secret) => `v1,${signature(secretKey(secret), message.id, timestamp, message.body)}`)
      .join(" "),
  };
}

/** A webhook a receiver must refuse: the reason says which check failed. */
export class WebhookVerificationError extends Error {
  override readonly name = "WebhookVerificationError";
}

/**
 * Verifies a webhook as a receiver does: the three headers present, the timestamp within `toleranceSeconds`
 * of `now` (a replayed message is refused; default 5 minutes), and one `v1` signature matching (compared in
 * constant time). Returns the parsed body.
 */
export function verifyWebhook(
  headers: Headers | Record<string, string | string[] | undefined>,
  body: string,
  secret: string,
  opts: { toleranceSeconds?: number; now?: Date } = {},
): { type: string; timestamp: string; data: Record<string, unknown> } {
  const header = (name: string) => {
    if (headers instanceof Headers) return headers.get(name) ?? undefined;
    const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
    const value = key === undefined ? undefined : headers[key];
    return Array.isArray(value) ? value[0] : value;
  };
  const id = header("webhook-id");
  const stamp = header("webhook-timestamp");
  const signatures = header("webhook-signature");
  if (!id || !stamp || !signatures) throw new WebhookVerificationError("Missing webhook-id, -timestamp or -signature.");
  const timestamp = Number(stamp);
  const now = Math.floor((opts.now ?? new Date()).getTime() / 1000);
  if (!/^\d+$/.test(stamp) || Math.abs(now - timestamp) > (opts.toleranceSeconds ?? 300)) {
    throw new WebhookVerificationError("webhook-timestamp is not within the tolerance of now.");
  }
  const expected = Buffer.from(signature(secretKey(secret), id, timestamp, body), "base64");
  const matches = signatures.split(" ").some((entry) => {
    const [version, value = ""] = entry.split(",", 2);
    const given = Buffer.from(value, "base64");
    return version === "v1" && given.length === expected.length && timingSafeEqual(given, expected);
  });
  if (!matches) throw new WebhookVerificationError("No webhook-signature matches the secret.");
  return JSON.parse(body) as { type: string; timestamp: string; data: Record<string, unknown> };
}

/**
 * The event "send test event" delivers: a FeedEvent both builders accept, of type `test`, about a resource of
 * its own (a fresh id, so a test event that fails never holds back the next one in per-resource order).
 */
export function testEvent(tenantId: string, now: Date, actor = "test"): FeedEvent {
  const time = now.toISOString();
  const nonce = randomUUID().slice(0, 8);
  return {
    id: `ev.${time}~test~${nonce}`,
    tenantId,
    type: "test",
    time,
    resourceType: "Test",
    resourceId: `test-${nonce}`,
    actor,
  };
}

/** A new signing secret: 32 random bytes, `whsec_` + base64 (Standard Webhooks). The same secret signs SETs (HS256). */
export function newSigningSecret(): string {
  return `whsec_${randomBytes(32).toString("base64")}`;
}

/** How long a delivery is retried, from its first attempt: then it is dead-lettered. */
export const DELIVERY_DEADLINE_MS = 24 * 3600_000;

/** The wait after the n-th failed attempt (then hourly): quick retries for a blip, then hourly for an outage. */
const BACKOFF_MS = [10_000, 30_000, 120_000, 600_000, 1_800_000, 3_600_000];

/**
 * When to try a delivery again after `attempts` failed attempts, or "dead" once 24 hours have passed since the
 * first. The waits grow 10 s, 30 s, 2 min, 10 min, 30 min, 1 h, then hourly, each with ±20 % jitter (so the
 * retries of many deliveries that failed together do not arrive together); the last retry falls on the deadline.
 * `random` is injectable for tests.
 */
export function nextAttempt(
  attempts: number,
  firstAttemptAt: Date,
  now: Date,
  random: () => number = Math.random,
): Date | "dead" {
  const deadline = firstAttemptAt.getTime() + DELIVERY_DEADLINE_MS;
  if (now.getTime() >= deadline) return "dead";
  if (attempts <= 0) return now;
  const base = BACKOFF_MS[Math.min(attempts, BACKOFF_MS.length) - 1] ?? 3_600_000;
  const wait = Math.round(base * (0.8 + 0.4 * random()));
  return new Date(Math.min(now.getTime() + wait, deadline));
}

/**
 * A subscriber's refusal as one line for `lastError`: RFC 8935 §2.3 answers a bad SET with 400 and
 * `{"err": "<code>", "description": "…"}`; other bodies are cut to 200 characters.
 */
export function describeRefusal(status: number, body: string): string {
  try {
    const parsed: unknown = JSON.parse(body);
    if (isObject(parsed) && typeof parsed.err === "string") {
      const description = typeof parsed.description === "string" ? `: ${parsed.description}` : "";
      return `HTTP ${status} ${parsed.err}${description}`.slice(0, 300);
    }
  } catch {
    // not JSON: the text as it is
  }
  const text = body.replace(/\s+/g, " ").trim().slice(0, 200);
  return text ? `HTTP ${status}: ${text}` : `HTTP ${status}`;
}
