import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningHost } from "../../local/host/host.js";
import { runAdmin } from "../../local/cli/admin.js";
import { hashToken } from "../../shared/store/tokens.js";
import { ERROR, USER, client, startTestHost, type ScimReply } from "../helpers/host.js";

/**
 * The token lifecycle as Entra sees it, over HTTP against the local host with a frozen clock:
 * rotation without downtime, revocation within 5 seconds, expiry, audience and last use.
 */

let host: RunningHost;
const T0 = new Date("2026-11-23T10:00:00.000Z");
let clock = T0;
const tick = (ms: number) => (clock = new Date(clock.getTime() + ms));

/** Every response body and CLI line of this file, checked at the end for secrets and hashes. */
const seen: string[] = [];
const secrets: string[] = [];

beforeAll(async () => {
  ({ host } = await startTestHost({ now: () => clock }));
});
afterAll(async () => host?.close());

async function get(token: string, path = "/Users?count=1", base = host.tenantUrl): Promise<ScimReply> {
  const res = await fetch(`${base}${path}`, { headers: { Authorization: `Bearer ${token}` } });
  const text = await res.text();
  seen.push(text, [...res.headers].join("\n"));
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

/** The admin CLI; `process: "separate"` builds its own services over HTTP to the store, like a second terminal. */
async function admin(argv: string[], where: "same" | "separate" = "same") {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runAdmin(argv, {
    env: where === "separate" ? { LOCAL_STORE_PORT: new URL(host.storeEndpoint!).port } : {},
    ...(where === "same" ? { services: host.services } : {}),
    out: (t) => out.push(t),
    err: (t) => err.push(t),
  });
  if (argv[1] !== "create") seen.push(...out);
  seen.push(...err);
  return { code, out, err, json: () => JSON.parse(out.join("\n")) };
}

async function newToken(name: string, ...extra: string[]) {
  const res = await admin(["token", "create", "--tenant", host.defaultTenant!.id, "--name", name, ...extra, "--json"]);
  expect(res.code).toBe(0);
  secrets.push(res.json().token);
  return res.json() as { id: string; token: string; expiresAt: string };
}

const revoked401 = (name: string) => ({
  schemas: [ERROR],
  status: "401",
  detail: expect.stringMatching(new RegExp(`^The token '${name}' was revoked\\.`)),
});

describe("rotation and revocation", () => {
  it("keeps a second token working while the first is revoked from another process, which answers 401 within 5 s", async () => {
    const old = await newToken("old");
    const next = await newToken("new");
    expect((await get(old.token)).status).toBe(200);
    expect((await get(next.token)).status).toBe(200);

    const revoke = await admin(
      ["token", "revoke", "--tenant", host.defaultTenant!.id, "--id", old.id, "--json"],
      "separate",
    );
    expect(revoke.code).toBe(0);
    expect(revoke.json()).toMatchObject({ id: old.id, status: "revoked" });

    expect((await get(next.token)).status).toBe(200);
    tick(5000);
    const res = await get(old.token);
    expect(res.status).toBe(401);
    expect(res.body).toEqual(revoked401("old"));
    expect(res.headers.get("www-authenticate")).toMatch(/^Bearer .*error="invalid_token"/);
    expect((await get(next.token)).status).toBe(200);
    expect(
      (await client(host, next.token).post("/Users", { schemas: [USER], userName: "after-rotation@contoso.com" }))
        .status,
    ).toBe(201);
  });

  it("answers 401 at once when revoked in the service's own process", async () => {
    const token = await newToken("same-process");
    expect((await get(token.token)).status).toBe(200);
    expect((await admin(["token", "revoke", "--tenant", host.defaultTenant!.id, "--id", token.id])).code).toBe(0);
    const res = await get(token.token);
    expect(res.status).toBe(401);
    expect(res.body).toEqual(revoked401("same-process"));
  });
});

describe("expiry", () => {
  it("answers 401 naming the token once it has expired, and 200 just before", async () => {
    const token = await newToken("expiring", "--expires", new Date(clock.getTime() + 10 * 60_000).toISOString());
    tick(10 * 60_000 - 1);
    expect((await get(token.token)).status).toBe(200);
    tick(1);
    const res = await get(token.token);
    expect(res.status).toBe(401);
    expect(res.body).toEqual({
      schemas: [ERROR],
      status: "401",
      detail: `The token 'expiring' expired at ${token.expiresAt}. Create a new token and update Entra.`,
    });
  });
});

describe("audience", () => {
  it("accepts a token at its own Tenant URL, in any case, with a trailing slash or a query", async () => {
    const token = await newToken(
      "scoped-here",
      "--audience",
      `${host.tenantUrl.toUpperCase().replace("HTTP://", "http://")}/?aadOptscim062020`,
    );
    expect((await get(token.token)).status).toBe(200);
    expect((await get(token.token, "/Users?aadOptscim062020&count=1")).status).toBe(200);
  });

  it("answers 401 naming the expected Tenant URL for a token of another Tenant URL", async () => {
    const elsewhere = "https://contoso-scim.azurewebsites.net/scim/v2";
    const token = await newToken("scoped-elsewhere", "--audience", elsewhere);
    const res = await get(token.token);
    expect(res.status).toBe(401);
    expect(res.body).toEqual({
      schemas: [ERROR],
      status: "401",
      detail: `The token 'scoped-elsewhere' is for the Tenant URL ${elsewhere}, not ${host.tenantUrl}. Set that Tenant URL in Entra, or create a token for this one.`,
    });
    expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
  });

  it("answers 401 at another host name of the same service, also right after a request that was accepted", async () => {
    const token = await newToken("scoped-localhost", "--audience", host.tenantUrl);
    expect((await get(token.token)).status).toBe(200);
    const viaIp = host.tenantUrl.replace("localhost", "127.0.0.1");
    const res = await get(token.token, "/Users?count=1", viaIp);
    expect(res.status).toBe(401);
    expect(res.body.detail).toMatch(
      new RegExp(`is for the Tenant URL ${host.tenantUrl.replace(/[./]/g, "\\$&")}, not `),
    );
  });

  it("accepts a token without audience at any Tenant URL, and says so in token list", async () => {
    const token = await newToken("anywhere");
    expect((await get(token.token)).status).toBe(200);
    expect((await get(token.token, "/Users?count=1", host.tenantUrl.replace("localhost", "127.0.0.1"))).status).toBe(
      200,
    );
    const list = await admin(["token", "list", "--tenant", host.defaultTenant!.id, "--json"]);
    expect(list.json().find((t: { id: string }) => t.id === token.id)).toMatchObject({ audience: null });
  });
});

describe("last use", () => {
  it("records the last use at most once a minute", async () => {
    const token = await newToken("tracked");
    const lastUsed = async () =>
      (await admin(["token", "list", "--tenant", host.defaultTenant!.id, "--json"]))
        .json()
        .find((t: { id: string }) => t.id === token.id).lastUsedAt;
    expect(await lastUsed()).toBeNull();
    const first = clock.toISOString();
    expect((await get(token.token)).status).toBe(200);
    expect(await lastUsed()).toBe(first);
    for (const step of [1000, 5000, 20_000, 30_000]) {
      tick(step);
      expect((await get(token.token)).status).toBe(200);
      expect(await lastUsed()).toBe(first);
    }
    tick(4000);
    expect((await get(token.token)).status).toBe(200);
    expect(await lastUsed()).toBe(clock.toISOString());
  });
});

describe("secrets", () => {
  it("never shows a secret or its SHA-256 in a response or in CLI output after creation", () => {
    expect(secrets.length).toBeGreaterThan(5);
    const all = seen.join("\n");
    for (const secret of secrets) {
      expect(all).not.toContain(secret);
      expect(all).not.toContain(secret.slice("scimf_".length));
      expect(all).not.toContain(hashToken(secret));
    }
    expect(all).not.toMatch(/[0-9a-f]{64}/);
  });
});
