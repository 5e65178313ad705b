import { describe, expect, it } from "vitest";
import { GUID, fmtAgo, fmtPercent, jobProgress, jobTitle, loginTypes, oneYearFromToday } from "../../portal/src/format";
import { withQuery } from "../../portal/src/api";
import { match } from "../../portal/src/router";

describe("portal helpers", () => {
  it("defaults a token's expiry to the same calendar day one year on", () => {
    expect(oneYearFromToday(new Date(2026, 11, 2))).toBe("2027-12-02");
    expect(oneYearFromToday(new Date(2028, 1, 29))).toBe("2029-03-01");
  });

  it.each([
    ["3f2c1a9e-6b1d-4c8e-9a7f-2d5e8b0c4f11", true],
    ["3F2C1A9E-6B1D-4C8E-9A7F-2D5E8B0C4F11", true],
    ["3f2c1a9e6b1d4c8e9a7f2d5e8b0c4f11", false],
    ["not-a-guid", false],
    ["", false],
  ])("validates %j as an Object ID: %s", (value, ok) => {
    expect(GUID.test(value)).toBe(ok);
  });

  it("says how long ago a time was", () => {
    const now = Date.parse("2026-12-02T12:00:00Z");
    expect(fmtAgo(null, now)).toBe("never");
    expect(fmtAgo("2026-12-02T11:59:30Z", now)).toBe("just now");
    expect(fmtAgo("2026-12-02T11:55:00Z", now)).toBe("5 minutes ago");
    expect(fmtAgo("2026-12-02T09:00:00Z", now)).toBe("3 hours ago");
    expect(fmtAgo("2026-11-27T12:00:00Z", now)).toBe("5 days ago");
  });

  it("formats shares and login types", () => {
    expect(fmtPercent(0.025)).toBe("2.5%");
    expect(fmtPercent(0.26)).toBe("26%");
    expect(loginTypes(["password", "entra"])).toBe("Password, Entra ID");
    expect(loginTypes([])).toBe("None");
  });

  it.each([
    ["recompute-roles", "rename", "Recompute roles — group renamed"],
    ["recompute-roles", "role-map", "Recompute roles — group mapped to a role"],
    ["recompute-roles", "role-unmap", "Recompute roles — role mapping removed"],
    ["delete-group", "delete", "Remove memberships — group deleted"],
    ["future-kind", "why", "future-kind — why"],
  ])("names a %s job for %s: %s", (kind, reason, title) => {
    expect(jobTitle(kind, reason)).toBe(title);
  });

  it("counts a job's progress in members", () => {
    expect(jobProgress(1200, 5000)).toBe("1,200 of 5,000 members");
    expect(jobProgress(1, 1)).toBe("1 of 1 member");
    expect(jobProgress(0, undefined)).toBe("0 members");
  });

  it("builds query strings without empty values", () => {
    expect(withQuery("/api/admin/audit", { operation: "patch", resource: "", status: undefined, page: 2 })).toBe(
      "/api/admin/audit?operation=patch&page=2",
    );
    expect(withQuery("/api/admin/users", { search: "" })).toBe("/api/admin/users");
  });

  it("matches portal routes with parameters", () => {
    expect(match("/users/:id", "/users/abc%20d")).toEqual({ id: "abc d" });
    expect(match("/users/:id", "/users")).toBeNull();
    expect(match("/teams", "/teams")).toEqual({});
  });
});
