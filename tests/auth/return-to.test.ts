import { describe, expect, it } from "vitest";
import { DEFAULT_RETURN_TO, safeReturnTo } from "../../shared/auth/return-to.js";

describe("safeReturnTo", () => {
  it.each([
    "/portal/",
    "/portal",
    "/portal/users?search=ann&page=2",
    "/portal/users/123#history",
    "/portal/integrations/tokens",
  ])("keeps the same-site path %s", (path) => {
    expect(safeReturnTo(path)).toBe(path);
  });

  it.each([
    ["scheme-relative", "//evil.example/portal"],
    ["backslash", "/\\evil.example"],
    ["backslash after portal", "/portal\\..\\evil"],
    ["absolute https", "https://evil.example/portal/"],
    ["absolute same host", "https://contoso-scim.azurewebsites.net/portal/"],
    ["javascript", "javascript:alert(1)"],
    ["data URL", "data:text/html,hi"],
    ["outside the portal", "/api/admin/tokens"],
    ["portal prefix of another path", "/portalevil"],
    ["dot segments", "/portal/../auth/logout"],
    ["encoded dot segments", "/portal/%2e%2e/api"],
    ["encoded slash", "/portal%2f%2fevil.example"],
    ["encoded backslash", "/portal/%5cevil"],
    ["tab", "/portal/\t/evil"],
    ["newline", "/portal/\nLocation: https://evil"],
    ["relative", "portal/users"],
    ["empty", ""],
    ["too long", `/portal/${"a".repeat(3000)}`],
    ["non-ASCII", "/portal/ü"],
  ])("falls back to the default for %s", (_case, value) => {
    expect(safeReturnTo(value)).toBe(DEFAULT_RETURN_TO);
  });

  it("falls back to the default when nothing is given", () => {
    expect([safeReturnTo(undefined), safeReturnTo(null)]).toEqual([DEFAULT_RETURN_TO, DEFAULT_RETURN_TO]);
  });
});
