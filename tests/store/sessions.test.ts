import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createSession,
  endSession,
  endUserSessions,
  resolveSession,
  type SessionLifetimes,
} from "../../shared/auth/browser-sessions.js";
import { checkCsrf } from "../../shared/auth/csrf.js";
import { sha256Hex } from "../../shared/auth/secrets.js";
import { newInvite } from "../../shared/auth/login-flow.js";
import { SessionStore, type PendingLoginDoc } from "../../shared/store/sessions.js";
import { startEmbeddedStore, type EmbeddedStore } from "../helpers/store.js";

const BASE = "https://contoso-scim.azurewebsites.net";
const LIFETIMES: SessionLifetimes = { idleMs: 8 * 3600_000, absoluteMs: 12 * 3600_000 };
const T0 = new Date("2026-12-01T08:00:00Z");
const at = (ms: number) => new Date(T0.getTime() + ms);
const MIN = 60_000;
const HOUR = 3600_000;

let db: EmbeddedStore;
let store: SessionStore;
beforeAll(async () => {
  db = await startEmbeddedStore();
  store = new SessionStore(db.cosmos.database.container("sessions"));
});
afterAll(() => db?.close());

const cookieHeader = (setCookie: string) => setCookie.split(";")[0]!;
const raw = (id: string) =>
  db.cosmos.database
    .container("sessions")
    .item(id, id)
    .read()
    .then((r) => r.resource as Record<string, unknown> | undefined);

describe("sessions", () => {
  it("stores only the SHA-256 of the session id, with a TTL, and sets the cookie", async () => {
    const { setCookie, session } = await createSession(store, { tenantId: "t1", userId: "u1" }, T0, BASE, LIFETIMES);
    const sessionId = cookieHeader(setCookie).split("=")[1]!;
    expect(sessionId).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(setCookie).toBe(`__Host-scimf_session=${sessionId}; Path=/; HttpOnly; SameSite=Lax; Max-Age=43200; Secure`);
    const doc = await raw(sha256Hex(sessionId));
    expect(doc).toMatchObject({
      kind: "session",
      tenantId: "t1",
      userId: "u1",
      createdAt: T0.toISOString(),
      idleExpiresAt: at(8 * HOUR).toISOString(),
      absoluteExpiresAt: at(12 * HOUR).toISOString(),
      ttl: 8 * 3600,
    });
    expect(JSON.stringify(doc)).not.toContain(sessionId);
    expect(JSON.stringify(doc)).not.toContain(session.csrfToken);
  });

  it("resolves the cookie to the session, with the CSRF token state-changing requests must send", async () => {
    const { setCookie, session } = await createSession(store, { tenantId: "t1", userId: "u1" }, T0, BASE, LIFETIMES);
    const resolved = await resolveSession(store, `other=1; ${cookieHeader(setCookie)}`, at(MIN / 2), BASE, LIFETIMES);
    expect(resolved).toEqual(session);
    const live = resolved as typeof session;
    expect(
      checkCsrf({
        method: "POST",
        origin: BASE,
        csrfHeader: live.csrfToken,
        csrfToken: live.csrfToken,
        publicBaseUrl: BASE,
      }),
    ).toBeUndefined();
  });

  it("touches the idle expiry at most once a minute", async () => {
    const { setCookie } = await createSession(store, { tenantId: "t1", userId: "u1" }, T0, BASE, LIFETIMES);
    const id = sha256Hex(cookieHeader(setCookie).split("=")[1]!);
    await resolveSession(store, cookieHeader(setCookie), at(59_000), BASE, LIFETIMES);
    expect((await raw(id))!["lastSeenAt"]).toBe(T0.toISOString());
    await resolveSession(store, cookieHeader(setCookie), at(61_000), BASE, LIFETIMES);
    expect(await raw(id)).toMatchObject({
      lastSeenAt: at(61_000).toISOString(),
      idleExpiresAt: at(61_000 + 8 * HOUR).toISOString(),
      ttl: 8 * 3600,
    });
  });

  it.each<[string, number[], number, boolean]>([
    ["alive just before the idle limit", [], 8 * HOUR - 1, true],
    ["idle-expired after 8 h without a request", [], 8 * HOUR, false],
    ["kept alive by requests past 8 h", [4 * HOUR, 8 * HOUR], 11 * HOUR, true],
    ["expired at the absolute limit although active", [4 * HOUR, 8 * HOUR, 11 * HOUR], 12 * HOUR, false],
  ])("is %s", async (_case, requests, finalAt, alive) => {
    const { setCookie } = await createSession(store, { tenantId: "t1", userId: "u1" }, T0, BASE, LIFETIMES);
    for (const t of requests)
      expect(await resolveSession(store, cookieHeader(setCookie), at(t), BASE, LIFETIMES)).toBeDefined();
    const resolved = await resolveSession(store, cookieHeader(setCookie), at(finalAt), BASE, LIFETIMES);
    expect(resolved !== undefined).toBe(alive);
    if (!alive) expect(await raw(sha256Hex(cookieHeader(setCookie).split("=")[1]!))).toBeUndefined();
  });

  it("never moves the idle expiry past the absolute expiry", async () => {
    const { setCookie } = await createSession(store, { tenantId: "t1", userId: "u1" }, T0, BASE, LIFETIMES);
    await resolveSession(store, cookieHeader(setCookie), at(6 * HOUR), BASE, LIFETIMES);
    const resolved = await resolveSession(store, cookieHeader(setCookie), at(10 * HOUR), BASE, LIFETIMES);
    expect((resolved as { idleExpiresAt: string }).idleExpiresAt).toBe(at(12 * HOUR).toISOString());
  });

  it.each([
    ["no cookie", undefined],
    ["an unknown session id", "__Host-scimf_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"],
    ["the localhost cookie name on an https site", "scimf_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"],
  ])("resolves %s to nothing", async (_case, header) => {
    expect(await resolveSession(store, header, T0, BASE, LIFETIMES)).toBeUndefined();
  });

  it("ends one session and clears its cookie", async () => {
    const { setCookie } = await createSession(store, { tenantId: "t1", userId: "u1" }, T0, BASE, LIFETIMES);
    expect(await endSession(store, cookieHeader(setCookie), BASE)).toEqual({
      ended: true,
      setCookie: "__Host-scimf_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0; Secure",
    });
    expect(await resolveSession(store, cookieHeader(setCookie), T0, BASE, LIFETIMES)).toBeUndefined();
    expect((await endSession(store, cookieHeader(setCookie), BASE)).ended).toBe(false);
  });

  it("ends every session of one user and no one else's (logout everywhere, disconnect)", async () => {
    const mine = await Promise.all(
      [1, 2, 3].map(() => createSession(store, { tenantId: "t9", userId: "ann" }, T0, BASE, LIFETIMES)),
    );
    const sameIdOtherTenant = await createSession(store, { tenantId: "t8", userId: "ann" }, T0, BASE, LIFETIMES);
    const colleague = await createSession(store, { tenantId: "t9", userId: "bob" }, T0, BASE, LIFETIMES);
    expect(await endUserSessions(store, "t9", "ann")).toBe(3);
    // Ended, never live again, but still known as ended (so the browser is told why), until its TTL.
    for (const s of mine)
      expect(await resolveSession(store, cookieHeader(s.setCookie), at(2 * MIN), BASE, LIFETIMES)).toEqual({
        ended: true,
        id: expect.any(String),
        tenantId: "t9",
        userId: "ann",
      });
    expect(await endUserSessions(store, "t9", "ann")).toBe(0);
    expect(
      await resolveSession(store, cookieHeader(sameIdOtherTenant.setCookie), T0, BASE, LIFETIMES),
    ).not.toHaveProperty("ended");
    expect(await resolveSession(store, cookieHeader(colleague.setCookie), T0, BASE, LIFETIMES)).not.toHaveProperty(
      "ended",
    );
  });
});

describe("pending logins", () => {
  const pending = (id: string): PendingLoginDoc => ({
    id,
    kind: "pending-login",
    bindingHash: sha256Hex("b"),
    returnTo: "/portal/",
    inviteId: null,
    createdAt: T0.toISOString(),
    expiresAt: at(10 * MIN).toISOString(),
    ttl: 600,
  });

  it("hands a pending login out once, also to concurrent takers", async () => {
    await store.createPendingLogin(pending(sha256Hex("state-1")));
    const taken = await Promise.all([
      store.takePendingLogin(sha256Hex("state-1")),
      store.takePendingLogin(sha256Hex("state-1")),
    ]);
    expect(taken.filter(Boolean)).toHaveLength(1);
    expect(await store.takePendingLogin(sha256Hex("state-1"))).toBeUndefined();
  });

  it("does not hand out another kind of document under that id", async () => {
    const { doc } = newInvite("t1", null, T0);
    await store.createInvite(doc);
    expect(await store.takePendingLogin(doc.id)).toBeUndefined();
    expect(await store.readInvite(doc.id)).toEqual(doc);
  });
});

describe("invites", () => {
  it("stores only the code's hash, for 24 hours", async () => {
    const { code, doc } = newInvite("t1", " ann@contoso.com ", T0);
    expect(code).toMatch(/^scimfinv_[A-Za-z0-9_-]{43}$/);
    expect(doc).toEqual({
      id: sha256Hex(code),
      kind: "invite",
      tenantId: "t1",
      userName: "ann@contoso.com",
      createdAt: T0.toISOString(),
      expiresAt: at(24 * HOUR).toISOString(),
      ttl: 86400,
    });
    await store.createInvite(doc);
    expect(JSON.stringify(await raw(doc.id))).not.toContain(code);
  });

  it("is claimed once", async () => {
    const { doc } = newInvite("t1", null, T0);
    await store.createInvite(doc);
    const claims = await Promise.all([
      store.claimInvite(doc.id, at(MIN).toISOString(), "oid-1"),
      store.claimInvite(doc.id, at(MIN).toISOString(), "oid-2"),
    ]);
    expect(claims.sort()).toEqual([false, true]);
    expect(await store.readInvite(doc.id)).toMatchObject({ usedAt: at(MIN).toISOString() });
    expect(await store.claimInvite(sha256Hex("no such invite"), T0.toISOString(), "oid")).toBe(false);
  });
});
