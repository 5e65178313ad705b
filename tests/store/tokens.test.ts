import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Container } from "@azure/cosmos";
import { startEmbeddedStore, type EmbeddedStore } from "../helpers/store.js";
import type { CosmosContainers } from "../../shared/store/cosmos.js";
import { ScimError } from "../../shared/scim/errors.js";
import { TokenStore, hashToken } from "../../shared/store/tokens.js";
import { UnavailableError } from "../../shared/store/errors.js";
import { createServices } from "../../shared/services.js";
import { ADMIN_CLI, type Services } from "../../shared/operations/context.js";
import { OperationError } from "../../shared/operations/errors.js";
import {
  authenticate,
  createToken,
  expiringTokens,
  listTokens,
  revokeToken,
  type TokenInfo,
} from "../../shared/operations/tokens.js";

/** The token lifecycle: expiry, audience, last use, revocation and the expiry report (store and operations). */

let embedded: EmbeddedStore;
let cosmos: CosmosContainers;
let base: Services;
let store: ReturnType<typeof tokenService>;
const warnings: string[] = [];

const T0 = new Date("2026-11-23T10:00:00.000Z");
const at = (ms: number) => new Date(T0.getTime() + ms);
const DAY = 24 * 3600 * 1000;
const TENANT_URL = "https://contoso-scim.azurewebsites.net/scim/v2";

beforeAll(async () => {
  embedded = await startEmbeddedStore();
  cosmos = embedded.cosmos;
  base = createServices(embedded.config);
  store = tokenService(cosmos.tokens, (line) => warnings.push(line));
});

/** One instance's token operations, on a tokens container (possibly a failing one). */
function tokenService(tokens: Container, warn: (line: string) => void) {
  const svc: Services = { ...base, tokens: new TokenStore(tokens, 5000, warn) };
  const ctx = (tenantId: string, now: Date) => ({ tenantId, actor: ADMIN_CLI, now, services: svc, baseUrl: "" });
  return {
    createTenant: (name: string, now: Date) => svc.tenants.create(name, now),
    createToken: (tenantId: string, name: string, now: Date, options: { expiresAt?: Date; audience?: string } = {}) =>
      createToken(ctx(tenantId, now), { name, ...options }),
    listTokens: (tenantId: string, now: Date) => listTokens(ctx(tenantId, now)),
    revokeToken: (tenantId: string, tokenId: string, now: Date) => revokeToken(ctx(tenantId, now), tokenId),
    expiringTokens: (now: Date, days?: number) => expiringTokens(svc, now, days),
    authenticate: (secret: string | undefined, now: Date, url?: string) => authenticate(svc, secret, now, url),
  };
}
afterAll(async () => {
  await embedded.close();
});

const newTenant = (name = "Tokens") => store.createTenant(name, T0);

/** 401 with this detail, as a ScimError the HTTP wrapper sends unchanged. */
async function rejects(promise: Promise<unknown>, detail: RegExp) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ScimError);
  expect(error).toMatchObject({ status: 401, detail: expect.stringMatching(detail) });
}

/** A tokens container whose calls fail as a failing store would, with the record's URL in the message. */
function failing(tokens: Container, fail: { read?: boolean; patch?: boolean }): Container {
  const storeError = (id: string) =>
    Object.assign(new Error(`Service unavailable: dbs/scim/colls/tokens/docs/${id}`), { code: 503 });
  return new Proxy(tokens, {
    get(target, prop, receiver) {
      if (prop !== "item") return Reflect.get(target, prop, receiver);
      return (id: string, pk: string) => {
        const item = target.item(id, pk);
        return new Proxy(item, {
          get(i, p, r) {
            if (p === "read" && fail.read) return async () => Promise.reject(storeError(id));
            if (p === "patch" && fail.patch) return async () => Promise.reject(storeError(id));
            const v = Reflect.get(i, p, r);
            return typeof v === "function" ? v.bind(i) : v;
          },
        });
      };
    },
  }) as Container;
}

describe("createToken", () => {
  it("expires a year after creation by default and reports the token without secret or hash", async () => {
    const tenant = await newTenant();
    const { token, secret } = await store.createToken(tenant.id, "entra", T0);
    expect(secret).toMatch(/^scimf_[A-Za-z0-9_-]{43}$/);
    expect(token).toEqual({
      id: expect.stringMatching(/^tok_/),
      tenantId: tenant.id,
      name: "entra",
      createdAt: T0.toISOString(),
      expiresAt: "2027-11-23T10:00:00.000Z",
      lastUsedAt: null,
      status: "active",
      expiresSoon: false,
      expiresInDays: 365,
      audience: null,
      revokedAt: null,
    });
    expect(JSON.stringify(token)).not.toContain(hashToken(secret));
  });

  it("keeps an explicit expiry and an audience without its trailing slash or query", async () => {
    const tenant = await newTenant();
    const { token } = await store.createToken(tenant.id, "scoped", T0, {
      expiresAt: at(10 * DAY),
      audience: `${TENANT_URL}/?aadOptscim062020`,
    });
    expect(token).toMatchObject({
      expiresAt: at(10 * DAY).toISOString(),
      audience: TENANT_URL,
      expiresSoon: true,
      expiresInDays: 10,
    });
  });

  it.each([
    ["an expiry in the past", { expiresAt: at(-1) }, /expiry must be a date-time in the future/],
    ["an expiry that is no date", { expiresAt: new Date("nonsense") }, /expiry must be a date-time in the future/],
    ["an audience that is no URL", { audience: "contoso" }, /audience must be an http\(s\) Tenant URL/],
    [
      "an audience that is not http(s)",
      { audience: "ftp://contoso/scim/v2" },
      /audience must be an http\(s\) Tenant URL/,
    ],
  ])("refuses %s and stores nothing", async (_, options, message) => {
    const tenant = await newTenant();
    await expect(store.createToken(tenant.id, "bad", T0, options)).rejects.toThrow(message);
    expect(await store.listTokens(tenant.id, T0)).toEqual([]);
  });

  it("refuses an unknown tenant", async () => {
    await expect(store.createToken("no-such-tenant", "x", T0)).rejects.toThrow(/no tenant with id no-such-tenant/);
  });
});

describe("listTokens", () => {
  it("lists a tenant's tokens oldest first with status, expiresSoon and expiresInDays as of the given time", async () => {
    const tenant = await newTenant();
    const other = await newTenant("Other");
    await store.createToken(other.id, "not mine", T0);
    const a = (await store.createToken(tenant.id, "a", T0, { expiresAt: at(40 * DAY) })).token;
    const b = (await store.createToken(tenant.id, "b", at(1000), { expiresAt: at(20 * DAY) })).token;
    const c = (await store.createToken(tenant.id, "c", at(2000))).token;
    await store.revokeToken(tenant.id, c.id, at(3000));

    const view = async (now: Date) =>
      (await store.listTokens(tenant.id, now)).map((t) => [t.name, t.status, t.expiresSoon, t.expiresInDays] as const);
    expect((await store.listTokens(tenant.id, T0)).map((t) => t.id)).toEqual([a.id, b.id, c.id]);
    expect(await view(at(5000))).toEqual([
      ["a", "active", false, 39],
      ["b", "active", true, 19],
      ["c", "revoked", false, 364],
    ]);
    expect(await view(at(10 * DAY + 5000))).toEqual([
      ["a", "active", true, 29],
      ["b", "active", true, 9],
      ["c", "revoked", false, 354],
    ]);
    expect(await view(at(21 * DAY))).toEqual([
      ["a", "active", true, 19],
      ["b", "expired", false, -1],
      ["c", "revoked", false, 344],
    ]);
  });
});

describe("authenticate", () => {
  it("accepts an active token and names its tenant", async () => {
    const tenant = await newTenant();
    const { token, secret } = await store.createToken(tenant.id, "entra", T0);
    expect(await store.authenticate(secret, T0, TENANT_URL)).toEqual({
      tenantId: tenant.id,
      tokenId: token.id,
      tokenName: "entra",
    });
  });

  it("answers 401 naming the token once it has expired, even while cached", async () => {
    const tenant = await newTenant();
    const { secret } = await store.createToken(tenant.id, "short", T0, { expiresAt: at(2000) });
    await store.authenticate(secret, T0, TENANT_URL);
    await rejects(
      store.authenticate(secret, at(2000), TENANT_URL),
      /^The token 'short' expired at 2026-11-23T10:00:02.000Z/,
    );
  });

  it.each([
    ["the same URL", TENANT_URL],
    ["another case", TENANT_URL.toUpperCase()],
    ["a trailing slash", `${TENANT_URL}/`],
    ["a query", `${TENANT_URL}?aadOptscim062020`],
  ])("accepts a token with an audience at %s", async (_, url) => {
    const tenant = await newTenant();
    const { secret } = await store.createToken(tenant.id, "scoped", T0, { audience: TENANT_URL });
    expect((await store.authenticate(secret, T0, url)).tenantId).toBe(tenant.id);
  });

  it.each([
    ["another host", "https://fabrikam-scim.azurewebsites.net/scim/v2"],
    ["another path", "https://contoso-scim.azurewebsites.net/scim/v3"],
    ["no Tenant URL at all", undefined],
  ])("answers 401 naming the expected Tenant URL for a token used at %s, also when cached", async (_, url) => {
    const tenant = await newTenant();
    const { secret } = await store.createToken(tenant.id, "scoped", T0, { audience: TENANT_URL });
    const detail = new RegExp(`^The token 'scoped' is for the Tenant URL ${TENANT_URL.replace(/[./]/g, "\\$&")}, not `);
    await rejects(store.authenticate(secret, T0, url), detail);
    await store.authenticate(secret, T0, TENANT_URL);
    await rejects(store.authenticate(secret, at(1), url), detail);
  });

  it("accepts a token without audience at any Tenant URL", async () => {
    const tenant = await newTenant();
    const { secret } = await store.createToken(tenant.id, "any", T0);
    for (const url of [TENANT_URL, "http://localhost:7071/scim/v2", undefined]) {
      expect((await store.authenticate(secret, T0, url)).tenantId).toBe(tenant.id);
    }
  });

  it("records the last use at most once a minute", async () => {
    const tenant = await newTenant();
    const { secret } = await store.createToken(tenant.id, "used", T0);
    const lastUsed = async () => (await store.listTokens(tenant.id, T0))[0]?.lastUsedAt;
    expect(await lastUsed()).toBeNull();
    await store.authenticate(secret, at(1000), TENANT_URL);
    expect(await lastUsed()).toBe(at(1000).toISOString());
    for (const ms of [2000, 10_000, 45_000, 60_999]) {
      await store.authenticate(secret, at(ms), TENANT_URL);
      expect(await lastUsed()).toBe(at(1000).toISOString());
    }
    await store.authenticate(secret, at(61_000), TENANT_URL);
    expect(await lastUsed()).toBe(at(61_000).toISOString());
  });

  it("does not record the last use again within a minute from another instance", async () => {
    const tenant = await newTenant();
    const { secret } = await store.createToken(tenant.id, "shared", T0);
    const second = tokenService(cosmos.tokens, (line) => warnings.push(line));
    await store.authenticate(secret, at(1000), TENANT_URL);
    await second.authenticate(secret, at(30_000), TENANT_URL);
    expect((await store.listTokens(tenant.id, T0))[0]?.lastUsedAt).toBe(at(1000).toISOString());
  });

  it("writes the last use once when several instances see the same stale value at the same time", async () => {
    const tenant = await newTenant();
    const { secret } = await store.createToken(tenant.id, "raced", T0);
    const writes: string[] = [];
    const counting = new Proxy(cosmos.tokens, {
      get(target, prop, receiver) {
        if (prop !== "item") return Reflect.get(target, prop, receiver);
        return (id: string, pk: string) => {
          const item = target.item(id, pk);
          const patch = item.patch.bind(item);
          return Object.assign(Object.create(item), {
            read: item.read.bind(item),
            patch: async (...args: Parameters<typeof patch>) => {
              const result = await patch(...args);
              writes.push(result.resource.lastUsedAt);
              return result;
            },
          });
        };
      },
    }) as Container;
    const instances = Array.from({ length: 5 }, () => tokenService(counting, (line) => warnings.push(line)));
    await Promise.all(instances.map((s, i) => s.authenticate(secret, at(1000 + i), TENANT_URL)));
    expect(writes).toHaveLength(1);
    expect((await store.listTokens(tenant.id, T0))[0]?.lastUsedAt).toBe(writes[0]);
    expect(warnings).toEqual([]);
  });

  it("serves the request when recording the last use fails, and logs that without secret or hash", async () => {
    const tenant = await newTenant();
    const { secret } = await store.createToken(tenant.id, "unwritable", T0);
    const lines: string[] = [];
    const broken = tokenService(failing(cosmos.tokens, { patch: true }), (line) => lines.push(line));
    expect((await broken.authenticate(secret, T0, TENANT_URL)).tenantId).toBe(tenant.id);
    expect(lines).toEqual([
      expect.stringMatching(
        /^Could not record the last use of token tok_\S+ of tenant \S+ \(the store answered 503\); the request goes on\.$/,
      ),
    ]);
    for (const line of lines) {
      expect(line).not.toContain(secret);
      expect(line).not.toContain(hashToken(secret));
    }
  });

  it("keeps the hash out of a store failure while reading the token, and keeps its status", async () => {
    const tenant = await newTenant();
    const { secret } = await store.createToken(tenant.id, "unreadable", T0);
    const broken = tokenService(failing(cosmos.tokens, { read: true }), () => {});
    const error = await broken
      .authenticate(secret, T0, TENANT_URL)
      .catch((e: unknown) => e as Error & { code?: number });
    expect(error).toBeInstanceOf(UnavailableError);
    expect(error).toMatchObject({ message: "the store is unavailable: the store answered 503" });
    expect(JSON.stringify(error)).not.toContain(hashToken(secret));
    expect(String((error as Error).stack)).not.toContain(hashToken(secret));
  });
});

describe("revokeToken", () => {
  it("revokes at once in this process, within the cache time in another, and leaves the tenant's other tokens working", async () => {
    const tenant = await newTenant();
    const old = await store.createToken(tenant.id, "old", T0);
    const next = await store.createToken(tenant.id, "new", T0);
    const elsewhere = tokenService(cosmos.tokens, () => {});
    await store.authenticate(old.secret, T0, TENANT_URL);
    await elsewhere.authenticate(old.secret, T0, TENANT_URL);

    const revoked = await store.revokeToken(tenant.id, old.token.id, at(1000));
    expect(revoked).toEqual({
      ...old.token,
      status: "revoked",
      revokedAt: at(1000).toISOString(),
      lastUsedAt: T0.toISOString(),
      expiresInDays: 364,
    });

    await rejects(store.authenticate(old.secret, at(1001), TENANT_URL), /^The token 'old' was revoked\./);
    await rejects(elsewhere.authenticate(old.secret, at(5000), TENANT_URL), /^The token 'old' was revoked\./);
    for (const s of [store, elsewhere])
      expect((await s.authenticate(next.secret, at(5000), TENANT_URL)).tokenId).toBe(next.token.id);
  });

  it("keeps the first revocation time when revoked again", async () => {
    const tenant = await newTenant();
    const { token } = await store.createToken(tenant.id, "twice", T0);
    await store.revokeToken(tenant.id, token.id, at(1000));
    expect(await store.revokeToken(tenant.id, token.id, at(2000))).toMatchObject({
      status: "revoked",
      revokedAt: at(1000).toISOString(),
    });
  });

  it.each([
    ["an unknown token id", async () => ({ tenantId: (await newTenant()).id, tokenId: "tok_unknown" })],
    [
      "another tenant's token id",
      async () => {
        const mine = await newTenant();
        const theirs = await newTenant("Theirs");
        return {
          tenantId: mine.id,
          tokenId: (await store.createToken(theirs.id, "theirs", T0)).token.id,
          theirs: theirs.id,
        };
      },
    ],
  ])("refuses %s with a 404 naming the token and changes nothing", async (_, setup) => {
    const { tenantId, tokenId, theirs } = (await setup()) as { tenantId: string; tokenId: string; theirs?: string };
    const error = await store.revokeToken(tenantId, tokenId, T0).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OperationError);
    expect(error).toMatchObject({
      status: 404,
      detail: `tenant ${tenantId} has no token with id ${tokenId} (see: token list --tenant ${tenantId})`,
    });
    if (theirs) expect((await store.listTokens(theirs, T0))[0]?.status).toBe("active");
  });
});

describe("expiringTokens", () => {
  it("reports the active tokens of every tenant expiring within 30 days, soonest first, without hashes", async () => {
    const soon = new Date("2031-01-01T00:00:00.000Z");
    const after = (days: number) => new Date(soon.getTime() + days * DAY);
    const t1 = await newTenant("Expiring 1");
    const t2 = await newTenant("Expiring 2");
    const made = async (tenantId: string, name: string, days: number) =>
      (await store.createToken(tenantId, name, soon, { expiresAt: after(days) })).token as TokenInfo;
    const in10 = await made(t1.id, "in 10 days", 10);
    const in30 = await made(t2.id, "in 30 days", 30);
    await made(t1.id, "in 31 days", 31);
    const revoked = await made(t2.id, "revoked", 5);
    await store.revokeToken(t2.id, revoked.id, soon);
    const in2h = await made(t2.id, "in 2 hours", 2 / 24);

    const now = after(0);
    const report = (await store.expiringTokens(now)).filter((t) => [t1.id, t2.id].includes(t.tenantId));
    expect(report).toEqual([
      { tenantId: t2.id, tokenId: in2h.id, name: "in 2 hours", expiresAt: in2h.expiresAt, expiresInDays: 0 },
      { tenantId: t1.id, tokenId: in10.id, name: "in 10 days", expiresAt: in10.expiresAt, expiresInDays: 10 },
      { tenantId: t2.id, tokenId: in30.id, name: "in 30 days", expiresAt: in30.expiresAt, expiresInDays: 30 },
    ]);
    expect(
      (await store.expiringTokens(after(1))).filter((t) => [t1.id, t2.id].includes(t.tenantId)).map((t) => t.name),
    ).toEqual(["in 10 days", "in 30 days", "in 31 days"]);
    expect(
      (await store.expiringTokens(now, 7)).filter((t) => [t1.id, t2.id].includes(t.tenantId)).map((t) => t.name),
    ).toEqual(["in 2 hours"]);
    expect(JSON.stringify(await store.expiringTokens(now))).not.toMatch(/[0-9a-f]{64}/);
  });
});
