import { describe, expect, it } from "vitest";
import {
  clearSessionCookie,
  isSecureBaseUrl,
  loginCookie,
  readCookie,
  sessionCookie,
  sessionCookieName,
} from "../../shared/auth/cookies.js";
import { checkCsrf, csrfFailureDetail, csrfTokenFor } from "../../shared/auth/csrf.js";

const ID = "k3Jd9sQm2Vx7Lp0aZr5TnYw8Cb4Hg6Fe1Uo3Ii9Oq2E";

describe("session cookie", () => {
  it.each([
    [
      "https",
      "https://contoso-scim.azurewebsites.net",
      `__Host-scimf_session=${ID}; Path=/; HttpOnly; SameSite=Lax; Max-Age=43200; Secure`,
    ],
    ["http://localhost", "http://localhost:7071", `scimf_session=${ID}; Path=/; HttpOnly; SameSite=Lax; Max-Age=43200`],
    ["http://127.0.0.1", "http://127.0.0.1:7071", `scimf_session=${ID}; Path=/; HttpOnly; SameSite=Lax; Max-Age=43200`],
  ])("over %s is %s", (_case, base, expected) => {
    expect(sessionCookie(ID, base, 43200)).toBe(expected);
  });

  it("never sets Domain (a __Host- cookie must not, and none is wanted)", () => {
    expect(sessionCookie(ID, "https://a.example", 60)).not.toMatch(/Domain=/i);
  });

  it("is cleared with an empty value and Max-Age=0 under the same name", () => {
    expect(clearSessionCookie("https://a.example")).toBe(
      "__Host-scimf_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0; Secure",
    );
    expect(clearSessionCookie("http://localhost:7071")).toBe(
      "scimf_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0",
    );
  });

  it("the login-binding cookie follows the same rules", () => {
    expect(loginCookie(ID, "https://a.example", 600)).toBe(
      `__Host-scimf_login=${ID}; Path=/; HttpOnly; SameSite=Lax; Max-Age=600; Secure`,
    );
    expect(loginCookie(ID, "http://localhost:7071", 600)).toBe(
      `scimf_login=${ID}; Path=/; HttpOnly; SameSite=Lax; Max-Age=600`,
    );
  });

  it.each(["http://contoso.example", "ftp://localhost"])("refuses plain http off localhost (%s)", (base) => {
    expect(() => isSecureBaseUrl(base)).toThrow(/PUBLIC_BASE_URL must be https/);
  });

  it.each<[string, string | undefined, string | undefined]>([
    ["the cookie among others", `a=1; __Host-scimf_session=${ID}; b=2`, ID],
    ["no such cookie", "a=1", undefined],
    ["no header", undefined, undefined],
    ["the http name on an https site", `scimf_session=${ID}`, undefined],
    ["a value that is not a token", "__Host-scimf_session=abc;def", undefined],
  ])("reads %s", (_case, header, expected) => {
    expect(readCookie(header, sessionCookieName("https://a.example"))).toBe(expected);
  });
});

describe("checkCsrf", () => {
  const base = "https://contoso-scim.azurewebsites.net";
  const token = csrfTokenFor(ID);
  const request = (over: Partial<Parameters<typeof checkCsrf>[0]>) =>
    checkCsrf({
      method: "POST",
      origin: base,
      csrfHeader: token,
      csrfToken: token,
      publicBaseUrl: `${base}/`,
      ...over,
    });

  it.each(["POST", "PUT", "PATCH", "DELETE"])("passes a %s with the right Origin and token", (method) => {
    expect(request({ method })).toBeUndefined();
  });

  it.each(["GET", "HEAD", "OPTIONS"])("does not check a safe %s", (method) => {
    expect(request({ method, origin: null, csrfHeader: null })).toBeUndefined();
  });

  it.each<[string, Partial<Parameters<typeof checkCsrf>[0]>, string]>([
    ["no Origin", { origin: undefined }, "origin-missing"],
    ["Origin null (sandboxed or privacy-redirected)", { origin: "null" }, "origin-missing"],
    ["another site's Origin", { origin: "https://evil.example" }, "origin-mismatch"],
    ["the http origin of the same host", { origin: "http://contoso-scim.azurewebsites.net" }, "origin-mismatch"],
    ["a subdomain", { origin: "https://x.contoso-scim.azurewebsites.net" }, "origin-mismatch"],
    ["no token", { csrfHeader: "" }, "token-missing"],
    ["another session's token", { csrfHeader: csrfTokenFor("another-session-id-000000000000000") }, "token-mismatch"],
    ["the session id itself", { csrfHeader: ID }, "token-mismatch"],
  ])("refuses %s", (_case, over, failure) => {
    const result = request(over);
    expect(result).toBe(failure);
    expect(csrfFailureDetail[result!]).toMatch(/\.$/);
  });

  it("derives a stable token per session that differs between sessions and from the id", () => {
    expect(csrfTokenFor(ID)).toBe(csrfTokenFor(ID));
    expect(csrfTokenFor(ID)).not.toBe(csrfTokenFor(`${ID}x`));
    expect(csrfTokenFor(ID)).not.toContain(ID);
  });
});
