import { inspect } from "node:util";
import azureFunctions, { type HttpHandler, type HttpResponseInit } from "@azure/functions";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { loadConfig } from "../../shared/config.js";
import { createServices, useServices } from "../../shared/services.js";
import type { Services } from "../../shared/operations/context.js";
import { UnavailableError } from "../../shared/store/errors.js";
import { SignInError } from "../../shared/auth/id-token.js";
import { wrapScim } from "../../shared/http/scim.js";
import { apiFunction } from "../../shared/http/admin.js";
import { authFunction } from "../../shared/http/auth.js";
import { tokenEndpointFunction } from "../../shared/http/oauth.js";
import { API_CSP, pageContentSecurityPolicy } from "../../shared/http/security-headers.js";

/**
 * The shared wrapper core (shared/http/core.ts) through each of the four wrappers: an unexpected
 * error is that wrapper's 5xx with the correlation id, logged with it, with nothing internal in the
 * answer and the request's secret in neither the answer nor the log; a store outage its 503; an
 * expected error its 4xx, not logged as an error; services that cannot be built its 5xx.
 */

const { HttpRequest, InvocationContext } = azureFunctions;
/** A SCIM token, session id, authorization code or client secret: the shape each route accepts. */
const SECRET = "scimf_s3cr3tZq81kdJf02LmQ7xw";
const INTERNAL = "connect ECONNREFUSED 10.9.8.7:443 at /srv/app/store.js:12";
const ID = "inv-core-1";

let base: Services;
beforeAll(() => {
  base = createServices(
    loadConfig({ COSMOS_ENDPOINT: "http://127.0.0.1:9", COSMOS_KEY: "a2V5" }),
    () => new Date("2026-11-23T12:00:00Z"),
  );
});
afterEach(() => {
  useServices(undefined);
  vi.unstubAllEnvs();
});
afterAll(() => useServices(undefined));

/** Services whose every store call throws `error` (as a failing Cosmos DB would). */
function failingStores(error: unknown): Services {
  const failing = new Proxy({}, { get: () => () => Promise.reject(error) });
  const stores = [
    "tenants",
    "tokens",
    "oauth",
    "resources",
    "memberships",
    "auditLog",
    "settings",
    "sessions",
    "jobs",
  ] as const;
  return { ...base, ...Object.fromEntries(stores.map((s) => [s, failing])) } as Services;
}

interface Wrapper {
  handler: HttpHandler;
  request: () => InstanceType<typeof HttpRequest>;
}

/** One function of each wrapper, each sent the secret its route carries (bearer token, session cookie, authorization code, client secret). */
const wrappers: Record<"scim" | "admin" | "auth" | "token", Wrapper> = {
  scim: {
    handler: wrapScim(async () => ({ status: 200 })),
    request: () =>
      new HttpRequest({
        method: "GET",
        url: "http://localhost/scim/v2/Users",
        headers: { authorization: `Bearer ${SECRET}` },
      }),
  },
  admin: {
    handler: apiFunction("core-test-api", { methods: ["GET"], route: "admin/core-test" }, async () => ({
      body: { ok: true },
    })),
    request: () =>
      new HttpRequest({
        method: "GET",
        url: "http://localhost/api/admin/core-test",
        headers: { cookie: `scimf_session=${SECRET}` },
      }),
  },
  auth: {
    handler: authFunction("core-test-auth", { methods: ["GET"], route: "auth/core-test" }, async (_request, svc) => {
      await svc.sessions.readSession("x");
      return { status: 200 };
    }),
    request: () => new HttpRequest({ method: "GET", url: `http://localhost/auth/core-test?code=${SECRET}` }),
  },
  token: {
    handler: tokenEndpointFunction("core-test-token"),
    request: () =>
      new HttpRequest({
        method: "POST",
        url: "http://localhost/oauth2/token",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: {
          string: `grant_type=client_credentials&client_id=00000000-0000-4000-8000-000000000001&client_secret=${SECRET}`,
        },
      }),
  },
};

async function call(wrapper: Wrapper) {
  const logs: { level: string; text: string }[] = [];
  const context = new InvocationContext({
    invocationId: ID,
    functionName: "core-test",
    logHandler: (level, ...args) =>
      logs.push({ level, text: args.map((a) => (typeof a === "string" ? a : inspect(a))).join(" ") }),
  });
  const response: HttpResponseInit = await wrapper.handler(wrapper.request(), context);
  const body = typeof response.body === "string" ? response.body : "";
  const headers = (response.headers ?? {}) as Record<string, string>;
  return { status: response.status, headers, body, logs, errors: logs.filter((l) => l.level === "error") };
}

const json = (body: string) => JSON.parse(body) as Record<string, unknown>;
const SCIM_ERROR = "urn:ietf:params:scim:api:messages:2.0:Error";

/** What each wrapper answers to an unexpected error (and to services that cannot be built). */
const unexpected: Record<keyof typeof wrappers, (r: Awaited<ReturnType<typeof call>>) => void> = {
  scim: (r) => {
    expect(r.status).toBe(500);
    expect(json(r.body)).toEqual({
      schemas: [SCIM_ERROR],
      status: "500",
      detail: `Internal error; retry later. Correlation id: ${ID}.`,
    });
    expect(r.headers).toEqual({ "Content-Type": "application/scim+json; charset=utf-8" });
  },
  admin: (r) => {
    expect(r.status).toBe(500);
    expect(json(r.body)).toEqual({
      type: "about:blank",
      title: "Internal Server Error",
      status: 500,
      detail: `Internal error; try again later. Correlation id: ${ID}.`,
    });
    expect(r.headers).toMatchObject({
      "Content-Type": "application/problem+json",
      "Content-Security-Policy": API_CSP,
      "Cache-Control": "no-store",
    });
  },
  auth: (r) => {
    expect(r.status).toBe(500);
    expect(r.body).toContain(`Something went wrong on our side (correlation id ${ID}).`);
    expect(r.body).toContain("Reason code: internal_error");
    expect(r.headers).toMatchObject({
      "Content-Type": "text/html; charset=utf-8",
      "Content-Security-Policy": pageContentSecurityPolicy(),
    });
  },
  token: (r) => {
    expect(r.status).toBe(503);
    expect(json(r.body)).toEqual({
      error: "temporarily_unavailable",
      error_description: `The token service is unavailable; try again shortly. Correlation id: ${ID}.`,
    });
    expect(r.headers).toMatchObject({
      "Retry-After": "5",
      "Cache-Control": "no-store",
      "Content-Security-Policy": API_CSP,
    });
  },
};

const names = Object.keys(wrappers) as (keyof typeof wrappers)[];

describe("the shared wrapper core", () => {
  it.each(names)(
    "answers an unexpected error in %s with its 5xx and the correlation id, logged once, nothing internal or secret out",
    async (name) => {
      useServices(failingStores(new Error(INTERNAL)));
      const r = await call(wrappers[name]);
      unexpected[name](r);
      expect(r.body).not.toContain("10.9.8.7");
      expect(r.body).not.toContain(SECRET);
      expect(r.errors).toHaveLength(1);
      expect(r.errors[0]!.text).toContain(`Unhandled error in core-test (correlation id ${ID}):`);
      expect(r.errors[0]!.text).toContain(INTERNAL);
      expect(r.logs.map((l) => l.text).join("\n")).not.toContain(SECRET);
    },
  );

  it.each<[keyof typeof wrappers, number, string]>([
    ["scim", 503, "application/scim+json; charset=utf-8"],
    ["admin", 503, "application/problem+json"],
    ["auth", 503, "text/html; charset=utf-8"],
    ["token", 503, "application/json; charset=utf-8"],
  ])(
    "answers a store outage in %s with %i and the store's Retry-After, logged as one",
    async (name, status, contentType) => {
      useServices(failingStores(new UnavailableError("region failover", 7000)));
      const r = await call(wrappers[name]);
      expect(r.status).toBe(status);
      expect(r.headers).toMatchObject({ "Retry-After": "7", "Content-Type": contentType });
      expect(r.errors.map((l) => l.text)).toEqual([
        expect.stringContaining(`Store unavailable in core-test (correlation id ${ID}):`),
      ]);
      expect(r.body).not.toContain(SECRET);
      if (name === "auth") expect(r.body).toContain("Reason code: store_unavailable");
    },
  );

  it.each<[keyof typeof wrappers, (body: string) => void]>([
    [
      "scim",
      (body) =>
        expect(json(body)).toEqual({
          schemas: [SCIM_ERROR],
          status: "429",
          detail: "The store is busy; retry after the time in Retry-After.",
        }),
    ],
    [
      "admin",
      (body) =>
        expect(json(body)).toEqual({
          type: "about:blank",
          title: "Too Many Requests",
          status: 429,
          detail: "The store is busy; retry after the time in Retry-After.",
        }),
    ],
    ["auth", (body) => expect(body).toContain("Reason code: request_refused")],
    [
      "token",
      (body) =>
        expect(json(body)).toEqual({
          error: "invalid_request",
          error_description: "The store is busy; retry after the time in Retry-After.",
        }),
    ],
  ])(
    "answers an expected store refusal (throttling) in %s with its 429, not logged as an error",
    async (name, expectBody) => {
      useServices(
        failingStores(Object.assign(new Error("Request rate is large"), { code: 429, retryAfterInMs: 2500 })),
      );
      const r = await call(wrappers[name]);
      expect(r.status).toBe(429);
      // Every route says when to try again, the sign-in page too.
      expect(r.headers["Retry-After"]).toBe("3");
      expectBody(r.body);
      expect(r.errors).toEqual([]);
    },
  );

  it("answers each wrapper's own expected errors in its own shape, not logged as errors", async () => {
    useServices(failingStores(new Error(INTERNAL)));
    const scim = await call({
      ...wrappers.scim,
      request: () => new HttpRequest({ method: "GET", url: "http://localhost/scim/v2/Users" }),
    });
    expect(scim.status).toBe(401);
    expect(scim.headers["WWW-Authenticate"]).toBe('Bearer realm="scim", error="invalid_token"');
    expect(json(scim.body)).toMatchObject({ schemas: [SCIM_ERROR], status: "401" });

    const admin = await call({
      ...wrappers.admin,
      request: () => new HttpRequest({ method: "GET", url: "http://localhost/api/admin/core-test" }),
    });
    expect(admin.status).toBe(401);
    expect(json(admin.body)).toMatchObject({ title: "Unauthorized", status: 401 });

    const auth = await call({
      handler: authFunction(
        "core-test-auth-refused",
        { methods: ["GET"], route: "auth/core-test-refused" },
        async () => {
          throw new SignInError("state_mismatch", "The sign-in response does not match this browser's sign-in.", 400);
        },
      ),
      request: wrappers.auth.request,
    });
    expect(auth.status).toBe(400);
    expect(auth.body).toContain("Reason code: state_mismatch");

    const token = await call({
      ...wrappers.token,
      request: () =>
        new HttpRequest({
          method: "POST",
          url: "http://localhost/oauth2/token",
          body: { string: `client_secret=${SECRET}` },
        }),
    });
    expect(token.status).toBe(400);
    expect(json(token.body)).toMatchObject({ error: "invalid_request" });

    for (const r of [scim, admin, auth, token]) {
      expect(r.errors).toEqual([]);
      expect(r.body).not.toContain(SECRET);
    }
  });

  it.each(names)(
    "answers %s with its 5xx and the correlation id when the services cannot be built (configuration missing)",
    async (name) => {
      vi.stubEnv("COSMOS_ENDPOINT", "");
      useServices(undefined);
      const r = await call(wrappers[name]);
      unexpected[name](r);
      expect(r.errors).toHaveLength(1);
      expect(r.errors[0]!.text).toContain(`Unhandled error in core-test (correlation id ${ID}):`);
      expect(r.errors[0]!.text).toContain("COSMOS_ENDPOINT is not set");
      expect(r.logs.map((l) => l.text).join("\n")).not.toContain(SECRET);
    },
  );
});
