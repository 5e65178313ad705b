import { describe, expect, it } from "vitest";
import {
  canSignIn,
  linkExternalId,
  loginTypesOf,
  newProductUser,
  productOf,
  userStatus,
} from "../../shared/product/identity.js";
import { DEFAULT_SETTINGS, type LoginType } from "../../shared/product/settings.js";

const OID = "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef";
const tenant = (loginTypes: LoginType[]) => ({ ...DEFAULT_SETTINGS, loginTypes });

describe("linkExternalId", () => {
  it("links a user by its externalId (the Entra object ID)", () => {
    expect(linkExternalId(newProductUser(DEFAULT_SETTINGS), OID)).toMatchObject({
      objectId: OID,
      objectIdSource: "scim",
    });
  });

  it("follows a changed object ID", () => {
    const linked = linkExternalId(newProductUser(DEFAULT_SETTINGS), OID);
    expect(linkExternalId(linked, "other-oid")).toMatchObject({ objectId: "other-oid", objectIdSource: "scim" });
  });

  it("unlinks a SCIM-linked user whose externalId is cleared, but keeps one an admin set by hand", () => {
    const scim = linkExternalId(newProductUser(DEFAULT_SETTINGS), OID);
    expect(linkExternalId(scim, undefined)).not.toHaveProperty("objectId");
    const byHand = newProductUser(DEFAULT_SETTINGS, { objectId: OID, source: "admin" });
    expect(linkExternalId(byHand, "")).toEqual(byHand);
  });

  it("returns the same object when nothing changes", () => {
    const linked = linkExternalId(newProductUser(DEFAULT_SETTINGS), OID);
    expect(linkExternalId(linked, OID)).toBe(linked);
  });
});

describe("login types and sign-in", () => {
  it.each([
    ["a password user, tenant allows both", { password: true }, ["password", "entra"], ["password"]],
    ["a linked user, tenant allows both", { objectId: OID }, ["password", "entra"], ["entra"]],
    ["a user with both, tenant allows only Entra", { password: true, objectId: OID }, ["entra"], ["entra"]],
    ["a linked user, tenant allows only passwords", { objectId: OID }, ["password"], []],
  ] as const)("gives %s", (_, own, allowed, expected) => {
    expect(loginTypesOf(newProductUser(DEFAULT_SETTINGS, own), tenant([...allowed]))).toEqual(expected);
  });

  it("refuses a disconnected user whatever its login types", () => {
    const user = newProductUser(DEFAULT_SETTINGS, { objectId: OID });
    expect(userStatus({ active: false })).toBe("disconnected");
    expect(canSignIn(user, { active: false }, DEFAULT_SETTINGS, "entra")).toBe(false);
    expect(canSignIn(user, { active: true }, DEFAULT_SETTINGS, "entra")).toBe(true);
    expect(canSignIn(user, {}, DEFAULT_SETTINGS, "password")).toBe(false);
  });
});

describe("productOf", () => {
  it("keeps a stored product state and derives one for users stored before it existed", () => {
    const stored = { ...newProductUser(DEFAULT_SETTINGS), role: "Manager" };
    expect(productOf(stored as never, OID, DEFAULT_SETTINGS)).toBe(stored);
    expect(productOf(undefined, OID, DEFAULT_SETTINGS)).toMatchObject({
      role: "User",
      objectId: OID,
      objectIdSource: "scim",
      password: false,
    });
  });
});
