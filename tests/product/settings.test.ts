import { describe, expect, it } from "vitest";
import {
  DEFAULT_SETTINGS,
  adminRole,
  auditTtlSeconds,
  canonicalRole,
  deletedUserTtlSeconds,
  parseLoginTypes,
  roleRank,
  withDefaults,
} from "../../shared/product/settings.js";

describe("tenant settings", () => {
  it("fills in defaults for settings stored before a field existed", () => {
    expect(withDefaults({ loginTypes: ["entra"] })).toEqual({ ...DEFAULT_SETTINGS, loginTypes: ["entra"] });
    expect(withDefaults(undefined)).toEqual(DEFAULT_SETTINGS);
  });

  it.each([
    ["password,entra", ["password", "entra"]],
    [" Entra , entra ", ["entra"]],
  ])("parses login types %j", (text, expected) => {
    expect(parseLoginTypes(text)).toEqual(expected);
  });

  it.each([
    ["", /name at least one login type/],
    ["password,saml", /unknown login type "saml"; the types are password, entra/],
  ])("refuses login types %j with a message a person can act on", (text, message) => {
    expect(() => parseLoginTypes(text)).toThrow(message);
  });

  it("orders roles lowest first; the highest is the admin role; names compare case-insensitively", () => {
    expect(adminRole(DEFAULT_SETTINGS)).toBe("Admin");
    expect(roleRank(DEFAULT_SETTINGS, "manager")).toBe(1);
    expect(canonicalRole(DEFAULT_SETTINGS, "ADMIN")).toBe("Admin");
    expect(() => canonicalRole(DEFAULT_SETTINGS, "Owner")).toThrow('unknown role "Owner"; this tenant\'s roles are User < Manager < Admin');
  });

  it("turns retention days into Cosmos DB TTL seconds", () => {
    expect(auditTtlSeconds({ ...DEFAULT_SETTINGS, auditRetentionDays: 90 })).toBe(90 * 86_400);
    expect(deletedUserTtlSeconds(DEFAULT_SETTINGS)).toBe(30 * 86_400);
  });
});
