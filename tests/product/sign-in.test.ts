import { describe, expect, it } from "vitest";
import {
  matchSignIn,
  type SignInClaims,
  type SignInInput,
  type SignInInvite,
  type SignInTenant,
  type SignInUser,
} from "../../shared/product/sign-in.js";

const TID = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const OTHER_TID = "0d1e2f3a-4b5c-4d6e-8f70-819202a3b4c5";
const OID = "00000000-0000-4000-8000-0000000000aa";
const NOW = new Date("2026-12-01T12:00:00Z");

const claims: SignInClaims = { tid: TID, oid: OID, preferredUsername: "Ann@Contoso.com", name: "Ann Lee" };
const tenant: SignInTenant = { id: "t1", name: "Contoso", entraTenantId: TID, loginTypes: ["password", "entra"] };
const unlinked: SignInTenant = { ...tenant, entraTenantId: null };
const ann: SignInUser = {
  id: "u-ann",
  userName: "ann@contoso.com",
  status: "active",
  loginTypes: ["entra"],
  objectId: OID,
};
const invite: SignInInvite = {
  id: "inv1",
  tenantId: "t1",
  userName: null,
  expiresAt: "2026-12-02T08:00:00Z",
  usedAt: null,
};

const direct = (over: Partial<Extract<SignInInput, { via: "direct" }>> = {}): SignInInput => ({
  via: "direct",
  claims,
  tenant,
  usersWithObjectId: [ann],
  ...over,
});
const viaInvite = (over: Partial<Extract<SignInInput, { via: "invite" }>> = {}): SignInInput => ({
  via: "invite",
  claims,
  invite,
  tenant: unlinked,
  otherTenantForTid: null,
  usersWithObjectId: [],
  userWithUserName: null,
  now: NOW,
  ...over,
});

describe("matchSignIn without an invite", () => {
  it("signs in the one active user carrying the oid", () => {
    expect(matchSignIn(direct())).toEqual({ kind: "signed-in", tenantId: "t1", userId: "u-ann", bootstrap: null });
  });

  it.each<[string, SignInInput, string, RegExp]>([
    ["a tid linked to no tenant", direct({ tenant: null }), "tenant_not_linked", /invite link/],
    [
      "a tenant without the Entra login type",
      direct({ tenant: { ...tenant, loginTypes: ["password"] } }),
      "tenant_entra_disabled",
      /enable the Entra login type/,
    ],
    ["an oid no user carries", direct({ usersWithObjectId: [] }), "user_not_provisioned", /next provisioning cycle/],
    [
      "an oid two users carry",
      direct({ usersWithObjectId: [ann, { ...ann, id: "u-ann2", userName: "ann.lee@contoso.com" }] }),
      "object_id_conflict",
      /Connection health page/,
    ],
    [
      "a disconnected user",
      direct({ usersWithObjectId: [{ ...ann, status: "disconnected" }] }),
      "user_disconnected",
      /reconnect/,
    ],
    [
      "a user without the Entra login type",
      direct({ usersWithObjectId: [{ ...ann, loginTypes: ["password"] }] }),
      "user_entra_disabled",
      /enable Microsoft sign-in for your account/,
    ],
  ])("refuses %s", (_case, input, code, whatToDo) => {
    const outcome = matchSignIn(input);
    expect(outcome).toMatchObject({ kind: "refused", code });
    if (outcome.kind !== "refused") throw new Error("not refused");
    expect(outcome.whatToDo).toMatch(whatToDo);
    expect(outcome.title.length).toBeGreaterThan(5);
  });

  it("names the tid, the user and the conflicting accounts in the reasons", () => {
    expect(matchSignIn(direct({ tenant: null }))).toMatchObject({
      why: `Your Microsoft Entra directory (tenant ID ${TID}) is not linked to any account of this product.`,
    });
    expect(matchSignIn(direct({ usersWithObjectId: [] }))).toMatchObject({
      why: "No account in Contoso carries your Microsoft Entra object ID (signed in as Ann@Contoso.com).",
    });
    expect(
      matchSignIn(direct({ usersWithObjectId: [ann, { ...ann, id: "x", userName: "a2@contoso.com" }] })),
    ).toMatchObject({
      why: `2 accounts (ann@contoso.com, a2@contoso.com) carry your Microsoft Entra object ID ${OID}, so it is not clear which one is you.`,
    });
  });

  it("checks the tenant before the user (a disabled tenant says so even for a provisioned user)", () => {
    expect(
      matchSignIn(
        direct({
          tenant: { ...tenant, loginTypes: ["password"] },
          usersWithObjectId: [{ ...ann, status: "disconnected" }],
        }),
      ),
    ).toMatchObject({
      code: "tenant_entra_disabled",
    });
  });
});

describe("matchSignIn through an invite (bootstrap)", () => {
  const actions = { claimInviteId: "inv1", grantAdmin: true };

  it.each<[string, SignInInput, object]>([
    [
      "creates the first Admin and links an unlinked tenant to the tid",
      viaInvite(),
      {
        tenantId: "t1",
        userId: null,
        bootstrap: {
          ...actions,
          linkTenantToTid: TID,
          linkUser: null,
          createUser: { userName: "Ann@Contoso.com", displayName: "Ann Lee", objectId: OID, loginTypes: ["entra"] },
        },
      },
    ],
    [
      "makes the user carrying the oid an Admin (tenant already linked to this tid)",
      viaInvite({ tenant, usersWithObjectId: [ann] }),
      {
        tenantId: "t1",
        userId: "u-ann",
        bootstrap: { ...actions, linkTenantToTid: null, linkUser: null, createUser: null },
      },
    ],
    [
      "links the existing user with that userName (no Object ID yet) and makes it Admin",
      viaInvite({ userWithUserName: { ...ann, objectId: null, loginTypes: ["password"] } }),
      {
        tenantId: "t1",
        userId: "u-ann",
        bootstrap: { ...actions, linkTenantToTid: TID, linkUser: { userId: "u-ann", objectId: OID }, createUser: null },
      },
    ],
    [
      "accepts a named invite matching preferred_username case-insensitively",
      viaInvite({ invite: { ...invite, userName: "ANN@contoso.COM" } }),
      { tenantId: "t1", userId: null, bootstrap: { ...actions, linkTenantToTid: TID, linkUser: null } },
    ],
    [
      "goes on for a user carrying the oid even without the Entra login type listed (the invite links it)",
      viaInvite({ usersWithObjectId: [{ ...ann, loginTypes: ["password"] }] }),
      {
        tenantId: "t1",
        userId: "u-ann",
        bootstrap: { ...actions, linkTenantToTid: TID, linkUser: null, createUser: null },
      },
    ],
  ])("%s", (_case, input, expected) => {
    expect(matchSignIn(input)).toMatchObject({ kind: "signed-in", ...expected });
  });

  it.each<[string, SignInInput, string]>([
    ["a used invite", viaInvite({ invite: { ...invite, usedAt: "2026-12-01T09:00:00Z" } }), "invite_used"],
    ["an expired invite", viaInvite({ invite: { ...invite, expiresAt: "2026-12-01T12:00:00Z" } }), "invite_expired"],
    [
      "a tenant without the Entra login type",
      viaInvite({ tenant: { ...unlinked, loginTypes: ["password"] } }),
      "tenant_entra_disabled",
    ],
    [
      "a tenant linked to another directory",
      viaInvite({ tenant: { ...tenant, entraTenantId: OTHER_TID } }),
      "invite_other_directory",
    ],
    [
      "a directory already linked to another tenant",
      viaInvite({ otherTenantForTid: { id: "t2", name: "Contoso (old)" } }),
      "directory_linked_elsewhere",
    ],
    [
      "a named invite for someone else",
      viaInvite({ invite: { ...invite, userName: "bob@contoso.com" } }),
      "invite_user_mismatch",
    ],
    [
      "a named invite and no preferred_username",
      viaInvite({ invite: { ...invite, userName: "ann@contoso.com" }, claims: { ...claims, preferredUsername: null } }),
      "invite_user_mismatch",
    ],
    ["an oid two users carry", viaInvite({ usersWithObjectId: [ann, { ...ann, id: "u2" }] }), "object_id_conflict"],
    [
      "a disconnected user carrying the oid",
      viaInvite({ usersWithObjectId: [{ ...ann, status: "disconnected" }] }),
      "user_disconnected",
    ],
    [
      "a disconnected user with that userName",
      viaInvite({ userWithUserName: { ...ann, objectId: null, status: "disconnected" } }),
      "user_disconnected",
    ],
    [
      "a userName linked to another Object ID",
      viaInvite({ userWithUserName: { ...ann, objectId: "99999999-0000-4000-8000-000000000000" } }),
      "user_name_linked_elsewhere",
    ],
    [
      "no preferred_username to create a user with",
      viaInvite({ claims: { ...claims, preferredUsername: null } }),
      "user_name_missing",
    ],
  ])("refuses %s", (_case, input, code) => {
    expect(matchSignIn(input)).toMatchObject({ kind: "refused", code });
  });

  it("says whom a named invite is for", () => {
    expect(matchSignIn(viaInvite({ invite: { ...invite, userName: "bob@contoso.com" } }))).toEqual({
      kind: "refused",
      code: "invite_user_mismatch",
      title: "This invite is for someone else",
      why: "The invite is for bob@contoso.com, but you signed in as Ann@Contoso.com.",
      whatToDo: 'Sign in as bob@contoso.com (choose "Use another account"), or ask for an invite in your own name.',
    });
  });

  it("accepts a tenant already linked to the same tid whatever its case", () => {
    expect(matchSignIn(viaInvite({ tenant: { ...tenant, entraTenantId: TID.toUpperCase() } }))).toMatchObject({
      kind: "signed-in",
      bootstrap: { linkTenantToTid: null },
    });
  });
});
