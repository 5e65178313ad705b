import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmbeddedStore, type EmbeddedStore } from "../helpers/store.js";
import { runAdmin } from "../../local/cli/admin.js";
import { createServices } from "../../shared/services.js";
import { authenticate } from "../../shared/operations/tokens.js";
import type { Services } from "../../shared/operations/context.js";
import { hashToken } from "../../shared/store/tokens.js";
import { credentialStatus } from "../../shared/product/tokens.js";

/** `token create | list | revoke` of the admin CLI, against an embedded store with a frozen clock. */

let embedded: EmbeddedStore;
let services: Services;
let clock = new Date("2026-11-23T10:00:00.000Z");
const DAY = 24 * 3600 * 1000;
const later = (ms: number) => new Date(clock.getTime() + ms);
const TENANT_URL = "https://contoso-scim.azurewebsites.net/scim/v2";

/** Everything the CLI printed in this file, to check no secret or hash ever appears where it must not. */
const printed: string[] = [];
/** Secrets that may appear only in the output of the `token create` that made them. */
const secrets: string[] = [];

beforeAll(async () => {
  embedded = await startEmbeddedStore();
  services = createServices(embedded.config, () => clock);
});
afterAll(async () => {
  await embedded.close();
});

async function admin(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runAdmin(argv, { services, out: (t) => out.push(t), err: (t) => err.push(t) });
  printed.push(...(argv[1] === "create" ? [] : out), ...err);
  return { code, out, err, text: out.join("\n"), json: () => JSON.parse(out.join("\n")) };
}

const newTenant = async (name = "CLI tokens") => (await services.tenants.create(name, clock)).id;

async function create(tenantId: string, name: string, ...extra: string[]) {
  const res = await admin("token", "create", "--tenant", tenantId, "--name", name, ...extra, "--json");
  expect(res.err).toEqual([]);
  expect(res.code).toBe(0);
  secrets.push(res.json().token);
  return res.json() as { id: string; token: string; expiresAt: string };
}

describe("token create", () => {
  it("prints id, secret and an expiry one year out by default", async () => {
    const tenantId = await newTenant();
    const res = await admin("token", "create", "--tenant", tenantId, "--name", "entra", "--json");
    expect(res.code).toBe(0);
    expect(res.json()).toEqual({
      id: expect.stringMatching(/^tok_/),
      token: expect.stringMatching(/^scimf_[A-Za-z0-9_-]{43}$/),
      expiresAt: "2027-11-23T10:00:00.000Z",
      name: "entra",
      tenantId,
    });
    secrets.push(res.json().token);
  });

  it("keeps --expires and --audience, and says where the token is accepted", async () => {
    const tenantId = await newTenant();
    const expires = later(90 * DAY).toISOString();
    const res = await admin(
      "token",
      "create",
      "--tenant",
      tenantId,
      "--name",
      "scoped",
      "--expires",
      expires,
      "--audience",
      `${TENANT_URL}/`,
      "--json",
    );
    expect(res.code).toBe(0);
    expect(res.json()).toEqual({
      id: expect.stringMatching(/^tok_/),
      token: expect.stringMatching(/^scimf_/),
      expiresAt: expires,
      name: "scoped",
      tenantId,
      audience: TENANT_URL,
    });
    secrets.push(res.json().token);
  });

  it("prints the secret once, in plain text, with the expiry and where it is accepted", async () => {
    const tenantId = await newTenant();
    const res = await admin("token", "create", "--tenant", tenantId, "--name", "plain");
    expect(res.code).toBe(0);
    expect(res.out).toEqual([
      expect.stringMatching(
        new RegExp(
          `^Token tok_\\S+ \\(plain\\) for tenant ${tenantId}, expires 2027-11-23T10:00:00.000Z \\(in 365 days\\), accepted at any Tenant URL\\.\\nSecret Token \\(shown once; paste it into Entra\\): scimf_[A-Za-z0-9_-]{43}$`,
        ),
      ),
    ]);
    const secret = res.text.match(/scimf_[A-Za-z0-9_-]{43}/)![0];
    secrets.push(secret);
    expect(res.text).not.toContain(hashToken(secret));
  });
});

describe("token list", () => {
  it("lists exactly-named fields, flags tokens expiring within 30 days and says which Tenant URL accepts each", async () => {
    const t0 = clock;
    const tick = (ms: number) => (clock = new Date(t0.getTime() + ms));
    try {
      const tenantId = await newTenant();
      const year = await create(tenantId, "year");
      tick(1000);
      const soon = await create(
        tenantId,
        "soon",
        "--expires",
        new Date(t0.getTime() + 12 * DAY).toISOString(),
        "--audience",
        TENANT_URL,
      );
      tick(2000);
      const gone = await create(tenantId, "gone", "--expires", new Date(t0.getTime() + 5 * DAY).toISOString());
      tick(3000);
      expect((await admin("token", "revoke", "--tenant", tenantId, "--id", gone.id)).code).toBe(0);
      await authenticate(services, year.token, clock, TENANT_URL);
      const at = (ms: number) => new Date(t0.getTime() + ms).toISOString();

      const res = await admin("token", "list", "--tenant", tenantId, "--json");
      expect(res.code).toBe(0);
      expect(res.err).toEqual([]);
      expect(res.json()).toEqual([
        {
          id: year.id,
          tenantId,
          name: "year",
          createdAt: at(0),
          expiresAt: year.expiresAt,
          lastUsedAt: at(3000),
          status: "active",
          expiresSoon: false,
          expiresInDays: 364,
          audience: null,
          revokedAt: null,
        },
        {
          id: soon.id,
          tenantId,
          name: "soon",
          createdAt: at(1000),
          expiresAt: soon.expiresAt,
          lastUsedAt: null,
          status: "active",
          expiresSoon: true,
          expiresInDays: 11,
          audience: TENANT_URL,
          revokedAt: null,
        },
        {
          id: gone.id,
          tenantId,
          name: "gone",
          createdAt: at(2000),
          expiresAt: gone.expiresAt,
          lastUsedAt: null,
          status: "revoked",
          expiresSoon: false,
          expiresInDays: 4,
          audience: null,
          revokedAt: at(3000),
        },
      ]);

      const plain = await admin("token", "list", "--tenant", tenantId);
      expect(plain.code).toBe(0);
      expect(plain.out).toHaveLength(1);
      expect(plain.text.split("\n")).toEqual([
        `${year.id}  year  active  created ${at(0)}  expires ${year.expiresAt} (in 364 days)  last used ${at(3000)}  accepted at any Tenant URL`,
        `${soon.id}  soon  active  created ${at(1000)}  expires ${soon.expiresAt} (in 11 days)  last used never  accepted only at ${TENANT_URL}`,
        `  WARNING: token ${soon.id} (soon) expires in 11 days. Create a new token, paste it into Entra, then revoke this one: an expired token puts the Entra provisioning job into quarantine.`,
        `${gone.id}  gone  revoked  created ${at(2000)}  expires ${gone.expiresAt} (in 4 days)  last used never  revoked ${at(3000)}  accepted at any Tenant URL`,
        "1 active token(s) expire within 30 days: rotate them.",
      ]);
    } finally {
      clock = t0;
    }
  });

  it("shows an expired token as expired, without a warning", async () => {
    const tenantId = await newTenant();
    const old = await create(tenantId, "old", "--expires", later(DAY).toISOString());
    const now = clock;
    clock = later(2 * DAY);
    try {
      const res = await admin("token", "list", "--tenant", tenantId, "--json");
      expect(res.json()).toEqual([
        expect.objectContaining({ id: old.id, status: "expired", expiresSoon: false, expiresInDays: -1 }),
      ]);
      const plain = await admin("token", "list", "--tenant", tenantId);
      expect(plain.text).toMatch(
        new RegExp(`^${old.id}  old  expired  .* \\(expired\\)  last used never  accepted at any Tenant URL$`),
      );
    } finally {
      clock = now;
    }
  });

  it("says so when the tenant has no tokens", async () => {
    const res = await admin("token", "list", "--tenant", await newTenant());
    expect(res.out).toEqual(["No tokens."]);
    expect((await admin("token", "list", "--tenant", await newTenant(), "--json")).json()).toEqual([]);
  });
});

describe("token revoke", () => {
  it("revokes one token and prints its info; the tenant's other tokens stay active", async () => {
    const tenantId = await newTenant();
    const old = await create(tenantId, "old");
    const next = await create(tenantId, "new");
    const res = await admin("token", "revoke", "--tenant", tenantId, "--id", old.id, "--json");
    expect(res.code).toBe(0);
    expect(res.err).toEqual([]);
    expect(res.json()).toEqual({
      id: old.id,
      tenantId,
      name: "old",
      createdAt: clock.toISOString(),
      expiresAt: old.expiresAt,
      lastUsedAt: null,
      status: "revoked",
      expiresSoon: false,
      expiresInDays: 365,
      audience: null,
      revokedAt: clock.toISOString(),
    });
    expect(
      Object.fromEntries((await services.tokens.list(tenantId)).map((t) => [t.name, credentialStatus(t, clock)])),
    ).toEqual({
      old: "revoked",
      new: "active",
    });
    expect((await authenticate(services, next.token, clock, TENANT_URL)).tokenId).toBe(next.id);
  });

  it("prints a one-line confirmation without --json", async () => {
    const tenantId = await newTenant();
    const token = await create(tenantId, "bye");
    const res = await admin("token", "revoke", "--tenant", tenantId, "--id", token.id);
    expect(res.out).toEqual([
      `Revoked token ${token.id} (bye) of tenant ${tenantId} at ${clock.toISOString()}; requests with it get 401 within 5 seconds.`,
    ]);
  });
});

describe("bad token arguments", () => {
  let tenantId: string;
  let otherTenantsToken: string;
  beforeAll(async () => {
    tenantId = await newTenant("Args");
    await create(tenantId, "keep");
    otherTenantsToken = (await create(await newTenant("Other"), "theirs")).id;
  });

  it.each([
    [
      "token create with an --audience that is no URL",
      () => ["token", "create", "--tenant", tenantId, "--name", "n", "--audience", "contoso"],
      /^error: --audience must be the Tenant URL entered in Entra, such as https:\/\/\S+\/scim\/v2 \(got "contoso"\)$/,
    ],
    [
      "token create with an --audience that is not http(s)",
      () => ["token", "create", "--tenant", tenantId, "--name", "n", "--audience", "ftp://contoso/scim/v2"],
      /^error: --audience must be the Tenant URL/,
    ],
    [
      "token create with an --audience without /scim/v2",
      () => ["token", "create", "--tenant", tenantId, "--name", "n", "--audience", "https://contoso.example/api"],
      /^error: --audience must be the Tenant URL/,
    ],
    [
      "token create with --audience but no value",
      () => ["token", "create", "--tenant", tenantId, "--name", "n", "--audience"],
      /^error: .*--audience/,
    ],
    ["token revoke without --tenant", () => ["token", "revoke", "--id", "tok_x"], /^error: --tenant is required$/],
    ["token revoke without --id", () => ["token", "revoke", "--tenant", tenantId], /^error: --id is required$/],
    [
      "token revoke for an unknown tenant",
      () => ["token", "revoke", "--tenant", "no-such-tenant", "--id", "tok_x"],
      /^error: no tenant with id no-such-tenant/,
    ],
    [
      "token revoke of an unknown token id",
      () => ["token", "revoke", "--tenant", tenantId, "--id", "tok_nope"],
      /^error: tenant \S+ has no token with id tok_nope \(see: token list --tenant \S+\)$/,
    ],
    [
      "token revoke of another tenant's token",
      () => ["token", "revoke", "--tenant", tenantId, "--id", otherTenantsToken],
      /^error: tenant \S+ has no token with id tok_\S+ \(see: token list/,
    ],
  ])("exits 2 with a one-line error and changes nothing for %s", async (_, argv, message) => {
    const before = await services.tokens.list(tenantId);
    const res = await admin(...argv());
    expect(res.code).toBe(2);
    expect(res.out).toEqual([]);
    expect(res.err).toEqual([expect.stringMatching(message)]);
    expect(res.err[0]).not.toContain("\n");
    expect(await services.tokens.list(tenantId)).toEqual(before);
  });

  it("leaves the other tenant's token active", async () => {
    const all = (await services.tenants.list()).filter((t) => t.name === "Other");
    const tokens = (await Promise.all(all.map((t) => services.tokens.list(t.id)))).flat();
    const other = tokens.find((t) => t.id === otherTenantsToken);
    expect(other && credentialStatus(other, clock)).toBe("active");
  });
});

describe("secrets", () => {
  it("never prints a secret or its hash outside the token create that made it", () => {
    expect(secrets.length).toBeGreaterThan(5);
    const all = printed.join("\n");
    for (const secret of secrets) {
      expect(all).not.toContain(secret);
      expect(all).not.toContain(secret.slice("scimf_".length));
      expect(all).not.toContain(hashToken(secret));
    }
    expect(all).not.toMatch(/[0-9a-f]{64}/);
  });
});
