import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import azureFunctions, { type HttpResponseInit } from "@azure/functions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningHost } from "../../local/host/host.js";
import { getMe } from "../../functions/me.js";
import { login } from "../../functions/auth-login.js";
import { servePortal } from "../../functions/portal.js";
import {
  API_CSP,
  HSTS,
  isHttps,
  pageContentSecurityPolicy,
  securityHeaders,
} from "../../shared/http/security-headers.js";
import { startTestHost } from "../helpers/host.js";

/** The security headers of every response outside SCIM: /api/*, /auth/* and /portal/*. */

const { HttpRequest, InvocationContext } = azureFunctions;

const PAGE_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; " +
  "object-src 'none'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'";

describe("securityHeaders", () => {
  it("gives JSON a CSP under which nothing loads or frames it, and no HSTS over http", () => {
    expect(securityHeaders(false, "api")).toEqual({
      "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
      "Referrer-Policy": "no-referrer",
      "X-Content-Type-Options": "nosniff",
    });
  });

  it("gives pages a CSP with scripts from this site only and inline styles (Fluent UI's Griffel), and no HSTS over http", () => {
    expect(securityHeaders(false, "page")).toEqual({
      "Content-Security-Policy": PAGE_CSP,
      "Referrer-Policy": "no-referrer",
      "X-Content-Type-Options": "nosniff",
    });
  });

  it.each(["api", "page"] as const)("adds a year of HSTS, subdomains included, to %s responses over https", (kind) => {
    expect(securityHeaders(true, kind)).toEqual({
      ...securityHeaders(false, kind),
      "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
    });
  });

  it("widens form-action only by the origins it is given", () => {
    expect(pageContentSecurityPolicy(["https://login.microsoftonline.com"])).toBe(
      PAGE_CSP.replace("form-action 'self'", "form-action 'self' https://login.microsoftonline.com"),
    );
  });

  it.each<[string, string | undefined, boolean]>([
    ["http://localhost:7071/api/me", undefined, false],
    ["https://contoso-scim.azurewebsites.net/api/me", undefined, true],
    ["http://127.0.0.1/api/me", "https://contoso-scim.azurewebsites.net", true],
    ["http://localhost:7071/api/me", "http://localhost:7071", false],
    ["not a url", undefined, false],
  ])("tells %s with PUBLIC_BASE_URL %s is https: %s", (url, base, https) => {
    expect(isHttps(url, base)).toBe(https);
  });
});

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "portal-"));
  writeFileSync(join(dir, "index.html"), "<!DOCTYPE html><title>Portal</title>");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function expectHeaders(headers: Headers, csp: string, hsts: boolean) {
  expect(headers.get("content-security-policy")).toBe(csp);
  expect(headers.get("referrer-policy")).toBe("no-referrer");
  expect(headers.get("x-content-type-options")).toBe("nosniff");
  expect(headers.get("strict-transport-security")).toBe(hsts ? HSTS : null);
}

const get = (host: RunningHost, path: string) => fetch(`${host.url}${path}`, { redirect: "manual" });

describe.each<[string, Record<string, string>, boolean]>([
  ["over http", {}, false],
  ["with an https PUBLIC_BASE_URL", { PUBLIC_BASE_URL: "https://scim.contoso.example" }, true],
])("responses outside SCIM %s", (_case, env, hsts) => {
  let host: RunningHost;
  beforeAll(async () => {
    ({ host } = await startTestHost({ env: { PORTAL_DIR: dir, ...env } }));
  });
  afterAll(() => host?.close());

  it(`answer an /api route with the API's CSP and Referrer-Policy${hsts ? ", and HSTS" : ", without HSTS"}`, async () => {
    const reply = await get(host, "/api/me");
    expect(reply.status).toBe(401);
    expectHeaders(reply.headers, API_CSP, hsts);
    expect(reply.headers.get("cache-control")).toBe("no-store");
  });

  it.each(["/auth/logout", "/auth/callback"])(
    `answer %s with the page CSP and Referrer-Policy${hsts ? ", and HSTS" : ", without HSTS"}`,
    async (path) => {
      const reply = await fetch(`${host.url}${path}`, {
        method: path.endsWith("logout") ? "POST" : "GET",
        redirect: "manual",
      });
      expect(reply.status).toBe(path.endsWith("logout") ? 204 : 400);
      expectHeaders(reply.headers, PAGE_CSP, hsts);
    },
  );

  it.each(["/portal/", "/portal/missing.js", "/"])(
    `answer %s with the page CSP and Referrer-Policy${hsts ? ", and HSTS" : ", without HSTS"}`,
    async (path) => {
      const reply = await get(host, path);
      expect(reply.status).toBe(path === "/" ? 302 : path.endsWith(".js") ? 404 : 200);
      expectHeaders(reply.headers, PAGE_CSP, hsts);
    },
  );
});

describe("handlers called with an https request URL", () => {
  let host: RunningHost;
  beforeAll(async () => {
    ({ host } = await startTestHost({ env: { PORTAL_DIR: dir } }));
  });
  afterAll(() => host?.close());

  const request = (method: string, path: string) =>
    new HttpRequest({
      method,
      url: `https://contoso-scim.azurewebsites.net${path}`,
      headers: { "x-forwarded-for": "203.0.113.50" },
      params: {},
    });
  const context = () => new InvocationContext({ invocationId: "inv-1", functionName: "test", logHandler: () => {} });
  const headersOf = (response: HttpResponseInit) => new Headers(response.headers);

  it("adds HSTS to an /api answer", async () => {
    const response = await getMe(request("GET", "/api/me"), context());
    expect(response.status).toBe(401);
    expectHeaders(headersOf(response), API_CSP, true);
  });

  it("adds HSTS to an /auth answer", async () => {
    const response = await login(request("GET", "/auth/login"), context());
    expect(response.status).toBe(302);
    expectHeaders(headersOf(response), PAGE_CSP, true);
  });

  it("adds HSTS to a portal file", async () => {
    const response = await servePortal(request("GET", "/portal/"));
    expect(response.status).toBe(200);
    expectHeaders(headersOf(response), PAGE_CSP, true);
  });
});
