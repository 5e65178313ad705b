import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runAdmin } from "../../local/cli/admin.js";
import type { RunningHost } from "../../local/host/host.js";
import { hashToken } from "../../shared/store/tokens.js";
import { USER, client, q, startTestHost } from "../helpers/host.js";

/**
 * The admin CLI (`npm run admin -- ...`) against a running local host's store: in-process with
 * the host's services, and over HTTP to the embedded store the way a second terminal reaches it.
 */

let host: RunningHost;

beforeAll(async () => {
  ({ host } = await startTestHost());
});
afterAll(async () => host?.close());

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Runs the CLI and captures what it prints; `services: null` makes it build its own from `env`. */
async function admin(argv: string[], options: { env?: Record<string, string>; services?: null } = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runAdmin(argv, {
    env: options.env ?? {},
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    ...(options.services === null ? {} : { services: host.services }),
  });
  return { code, out, err, json: () => JSON.parse(out.join("\n")) };
}

const inAYear = () => new Date(Date.now() + 365 * 24 * 3600 * 1000);

describe("tenant commands", () => {
  it("creates a tenant and prints it as JSON with --json", async () => {
    const res = await admin(["tenant", "create", "--name", "Contoso", "--json"]);
    expect(res.code).toBe(0);
    expect(res.err).toEqual([]);
    expect(res.json()).toEqual({
      id: expect.stringMatching(UUID),
      name: "Contoso",
      createdAt: expect.stringMatching(ISO),
    });
    expect(await host.services.tenants.get(res.json().id)).toEqual(res.json());
  });

  it("lists every tenant, the new one included, as JSON", async () => {
    const created = (await admin(["tenant", "create", "--name", "Fabrikam", "--json"])).json();
    const res = await admin(["tenant", "list", "--json"]);
    expect(res.code).toBe(0);
    expect(res.err).toEqual([]);
    const tenants = res.json();
    expect(tenants).toContainEqual(created);
    expect(tenants).toContainEqual(expect.objectContaining({ id: host.defaultTenant!.id }));
    for (const t of tenants) expect(Object.keys(t).sort()).toEqual(["createdAt", "id", "name"]);
  });

  it("prints a one-line confirmation without --json", async () => {
    const res = await admin(["tenant", "create", "--name", "Plain"]);
    expect(res.code).toBe(0);
    expect(res.out).toEqual([expect.stringMatching(/^Created tenant [0-9a-f-]{36} \(Plain\)$/)]);
  });
});

describe("token commands", () => {
  it("creates a token that authenticates over HTTP, scoped to its own tenant", async () => {
    const tenant = (await admin(["tenant", "create", "--name", "Token tenant", "--json"])).json();
    const expires = inAYear();
    const res = await admin([
      "token",
      "create",
      "--tenant",
      tenant.id,
      "--name",
      "entra",
      "--expires",
      expires.toISOString(),
      "--json",
    ]);
    expect(res.code).toBe(0);
    expect(res.err).toEqual([]);
    const printed = res.json();
    expect(printed).toEqual({
      id: expect.stringMatching(/^tok_/),
      token: expect.stringMatching(/^scimf_[A-Za-z0-9_-]{43}$/),
      expiresAt: expires.toISOString(),
      name: "entra",
      tenantId: tenant.id,
    });

    // The default tenant already has a user; the new tenant's token sees none of it, and the other way round.
    const other = client(host, host.defaultTenant!.token);
    const defaultUser = await other.post("/Users", { schemas: [USER], userName: "default-only@contoso.com" });
    expect(defaultUser.status).toBe(201);

    const own = client(host, printed.token);
    const list = await own.get("/Users");
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({ totalResults: 0, Resources: [] });
    expect((await own.get(`/Users/${defaultUser.body.id}`)).status).toBe(404);
    expect((await own.get(`/Users?filter=${q('userName eq "default-only@contoso.com"')}`)).body.totalResults).toBe(0);

    const created = await own.post("/Users", { schemas: [USER], userName: "cli-user@contoso.com" });
    expect(created.status).toBe(201);
    expect((await other.get(`/Users/${created.body.id}`)).status).toBe(404);
    expect((await other.get(`/Users?filter=${q('userName eq "cli-user@contoso.com"')}`)).body.totalResults).toBe(0);
  });

  it("creates a token that expires a year after creation when --expires is left out", async () => {
    const tenant = (await admin(["tenant", "create", "--name", "Default expiry", "--json"])).json();
    const yearAfter = (ms: number) => {
      const d = new Date(ms);
      d.setUTCFullYear(d.getUTCFullYear() + 1);
      return d.getTime();
    };
    const before = Date.now();
    const res = await admin(["token", "create", "--tenant", tenant.id, "--name", "default", "--json"]);
    expect(res.code).toBe(0);
    expect(res.json()).toMatchObject({
      expiresAt: expect.stringMatching(ISO),
      token: expect.stringMatching(/^scimf_/),
    });
    const expires = Date.parse(res.json().expiresAt);
    expect(expires).toBeGreaterThanOrEqual(yearAfter(before));
    expect(expires).toBeLessThanOrEqual(yearAfter(Date.now()));
    expect((await client(host, res.json().token).get("/Users")).status).toBe(200);
  });

  it("lists a tenant's tokens with their status, never their secret or its hash", async () => {
    const tenant = (await admin(["tenant", "create", "--name", "Listed", "--json"])).json();
    const expires = inAYear();
    const first = (
      await admin([
        "token",
        "create",
        "--tenant",
        tenant.id,
        "--name",
        "first",
        "--expires",
        expires.toISOString(),
        "--json",
      ])
    ).json();
    const second = (await admin(["token", "create", "--tenant", tenant.id, "--name", "second", "--json"])).json();

    const res = await admin(["token", "list", "--tenant", tenant.id, "--json"]);
    expect(res.code).toBe(0);
    expect(res.err).toEqual([]);
    const info = {
      tenantId: tenant.id,
      createdAt: expect.stringMatching(ISO),
      lastUsedAt: null,
      status: "active",
      expiresSoon: false,
      expiresInDays: expect.any(Number),
      audience: null,
      revokedAt: null,
    };
    expect(res.json()).toEqual([
      { ...info, id: first.id, name: "first", expiresAt: expires.toISOString() },
      { ...info, id: second.id, name: "second", expiresAt: second.expiresAt },
    ]);
    const plain = await admin(["token", "list", "--tenant", tenant.id]);
    expect(plain.code).toBe(0);
    expect(plain.out.join("\n")).toMatch(new RegExp(`${first.id}\\s+first\\s+active`));
    for (const text of [res.out.join("\n"), plain.out.join("\n")]) {
      for (const { token } of [first, second]) {
        expect(text).not.toContain(token);
        expect(text).not.toContain(token.slice("scimf_".length));
        expect(text).not.toContain(hashToken(token));
      }
    }
  });
});

describe("bad arguments", () => {
  let tenantId: string;
  beforeAll(async () => {
    tenantId = (await admin(["tenant", "create", "--name", "Args", "--json"])).json().id;
  });

  it.each([
    ["tenant create without --name", () => ["tenant", "create", "--json"], /^error: --name is required$/],
    ["tenant create with a blank --name", () => ["tenant", "create", "--name", "  "], /^error: --name is required$/],
    ["tenant create with --name but no value", () => ["tenant", "create", "--name"], /^error: .*--name/],
    ["an unknown command", () => ["tenant", "delete", "--name", "x"], /^error: unknown command "tenant delete"/],
    ["an unknown noun", () => ["frobnicate"], /^error: unknown command "frobnicate"/],
    ["an unknown option", () => ["tenant", "create", "--name", "X", "--colour", "red"], /^error: .*--colour/],
    ["token create without --tenant", () => ["token", "create", "--name", "n"], /^error: --tenant is required$/],
    ["token create without --name", () => ["token", "create", "--tenant", tenantId], /^error: --name is required$/],
    [
      "token create with --expires that is not a date",
      () => ["token", "create", "--tenant", tenantId, "--name", "n", "--expires", "tomorrow"],
      /^error: a token's expiry must be a date such as 2027-01-31 \(midnight UTC\) or a date-time with its time zone/,
    ],
    [
      "token create with an impossible --expires date",
      () => ["token", "create", "--tenant", tenantId, "--name", "n", "--expires", "2030-13-45T00:00:00Z"],
      /^error: a token's expiry must be a date such as 2027-01-31 \(midnight UTC\) or a date-time with its time zone/,
    ],
    [
      "token create with --expires in the past",
      () => ["token", "create", "--tenant", tenantId, "--name", "n", "--expires", "2020-01-01T00:00:00Z"],
      /^error: a token's expiry must be in the future \(got "2020-01-01T00:00:00Z"\)$/,
    ],
    [
      "token create for an unknown tenant",
      () => ["token", "create", "--tenant", "no-such-tenant", "--name", "n"],
      /^error: no tenant with id no-such-tenant/,
    ],
    ["token list without --tenant", () => ["token", "list"], /^error: --tenant is required$/],
    [
      "token list for an unknown tenant",
      () => ["token", "list", "--tenant", "no-such-tenant"],
      /^error: no tenant with id no-such-tenant/,
    ],
  ])("exits non-zero with a one-line error and prints nothing for %s", async (_, argv, message) => {
    const tokensBefore = await host.services.tokens.list(tenantId);
    const res = await admin(argv());
    expect(res.code).not.toBe(0);
    expect(res.out).toEqual([]);
    expect(res.err).toEqual([expect.stringMatching(message)]);
    expect(res.err[0]).not.toContain("\n");
    expect(await host.services.tokens.list(tenantId)).toEqual(tokensBefore);
  });

  it("prints usage and exits 0 with --help", async () => {
    const res = await admin(["--help"]);
    expect(res.code).toBe(0);
    expect(res.err).toEqual([]);
    expect(res.out.join("\n")).toMatch(/^Usage: npm run admin -- <command> \[options\]/);
    expect(res.out.join("\n")).toMatch(/token create --tenant ID --name NAME/);
  });
});

describe("reaching the embedded store over HTTP (no services passed)", () => {
  const viaStore = () => ({ LOCAL_STORE_PORT: new URL(host.storeEndpoint!).port });

  it("sees tenants created in the host, and the host sees tenants and tokens it creates", async () => {
    const inHost = await host.services.tenants.create("Made in host", new Date());
    const listed = await admin(["tenant", "list", "--json"], { env: viaStore(), services: null });
    expect(listed.code).toBe(0);
    expect(listed.err).toEqual([]);
    expect(listed.json()).toContainEqual(inHost);

    const created = await admin(["tenant", "create", "--name", "Made by CLI", "--json"], {
      env: viaStore(),
      services: null,
    });
    expect(created.code).toBe(0);
    const tenant = created.json();
    expect(await host.services.tenants.get(tenant.id)).toEqual(tenant);

    const token = await admin(
      ["token", "create", "--tenant", tenant.id, "--name", "over-http", "--expires", inAYear().toISOString(), "--json"],
      {
        env: viaStore(),
        services: null,
      },
    );
    expect(token.code).toBe(0);
    const secret = token.json().token;
    expect(secret).toMatch(/^scimf_/);
    const res = await client(host, secret).get(`/Users?filter=${q('userName eq "nobody@contoso.com"')}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ totalResults: 0, Resources: [] });
    expect((await host.services.tokens.list(tenant.id)).map((t) => t.name)).toEqual(["over-http"]);
  });

  it("reports an unknown tenant over HTTP as a one-line error too", async () => {
    const res = await admin(["token", "create", "--tenant", "no-such-tenant", "--name", "n"], {
      env: viaStore(),
      services: null,
    });
    expect(res.code).not.toBe(0);
    expect(res.out).toEqual([]);
    expect(res.err).toEqual([expect.stringMatching(/^error: no tenant with id no-such-tenant/)]);
  });
});
