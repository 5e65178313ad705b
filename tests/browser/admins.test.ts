import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BrowserContext, Locator, Page } from "playwright-core";
import { createInvite } from "../../shared/operations/sign-in.js";
import { ADMIN_CLI } from "../../shared/operations/context.js";
import { GROUP, client, entraUser, type Client } from "../helpers/host.js";
import { ANN, BOB } from "../helpers/portal.js";
import { expectNoSeriousViolations as axe } from "./axe.js";
import { api, devSignIn, newContext, type Rig, shoot, skipReason, startRig, tabTo } from "./browser.js";

/**
 * The Admins page in a real Chromium: who is Admin and why, demoting an invited Admin by keyboard
 * alone behind a confirmation that says what changes, a mapped Admin pointing at Teams and roles,
 * and open invites created and revoked. The tests run in order on one host.
 */

const skip = skipReason();
const T = { timeout: 60_000 };

let rig: Rig;
let scim: Client;
let tenantId: string;
let ann: { context: BrowserContext; page: Page };
let bob: { context: BrowserContext; page: Page } | undefined;

/** Opens an invite link in a fresh browser and signs `person` in through it. */
async function signInByInvite(link: string, person: typeof ANN) {
  const session = await newContext(rig);
  await session.page.goto(link);
  await session.page.getByRole("button", { name: "Sign in with Microsoft" }).click();
  await devSignIn(session.page, rig, person);
  await session.page.waitForURL(/\/portal\//);
  return session;
}

const focusedIn = (dialog: Locator, name: string) =>
  dialog.getByRole("button", { name, exact: true }).evaluate((el) => el === document.activeElement);

describe.skipIf(skip !== undefined)("Admins page in Chromium", () => {
  beforeAll(async () => {
    rig = await startRig();
    tenantId = rig.host.defaultTenant!.id;
    scim = client(rig.host, rig.host.defaultTenant!.token);
  }, 180_000);
  afterAll(async () => {
    await bob?.context.close();
    await ann?.context.close();
    await rig?.close();
  });

  it(
    "lists Admins with why; an invited Admin is demoted by keyboard alone after a confirmation that says what changes",
    T,
    async () => {
      const services = rig.host.services;
      const { url } = await createInvite(
        { tenantId, actor: ADMIN_CLI, now: services.now(), services, baseUrl: "" },
        { publicBaseUrl: rig.host.url },
      );
      ann = await signInByInvite(url, ANN);
      const created = await api(ann.page, "POST", "/api/admin/invites", { userName: BOB.preferredUsername });
      expect(created.status).toBe(201);
      bob = await signInByInvite(created.json.invite.url, BOB);

      const { page } = ann;
      await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Admins" }).click();
      await expect.poll(() => page.getByRole("heading", { level: 1 }).textContent()).toBe("Admins");
      const table = page.getByRole("table", { name: "Admins" });
      await table.waitFor();
      const annRow = table.getByRole("row").filter({ hasText: ANN.preferredUsername });
      const bobRow = table.getByRole("row").filter({ hasText: BOB.preferredUsername });
      await expect
        .poll(() => annRow.textContent())
        .toMatch(/Admin by an invite \(invite:ann@contoso\.dev\).*cannot demote yourself/);
      expect(await annRow.getByRole("button").count()).toBe(0);
      await expect
        .poll(() => bobRow.textContent())
        .toMatch(/Admin by an invite \(invite:bob@contoso\.dev\).*Can sign in/);
      await axe(page, "Admins");
      await shoot(page, "portal-admins");

      const demote = page.getByRole("button", { name: `Demote ${BOB.preferredUsername}` });
      expect(await demote.getAttribute("data-danger")).toBe("true");
      await tabTo(page, demote, "the Demote button");
      await page.keyboard.press("Enter");
      const confirm = page.getByRole("dialog", { name: `Demote ${BOB.preferredUsername}?` });
      await confirm.waitFor();
      expect(await confirm.textContent()).toMatch(
        /Their role becomes User \(the default role\), and they can no longer open the admin pages/,
      );
      await expect.poll(() => focusedIn(confirm, "Cancel")).toBe(true);
      await axe(page, "the Demote confirmation");
      // Escape changes nothing and gives focus back to the button.
      await page.keyboard.press("Escape");
      await confirm.waitFor({ state: "hidden" });
      await expect.poll(() => demote.evaluate((el) => el === document.activeElement)).toBe(true);
      expect((await api(bob!.page, "GET", "/api/me")).json.isAdmin).toBe(true);

      await page.keyboard.press("Enter");
      await confirm.waitFor();
      await expect.poll(() => focusedIn(confirm, "Cancel")).toBe(true);
      await page.keyboard.press("Tab");
      await expect.poll(() => focusedIn(confirm, "Demote")).toBe(true);
      await page.keyboard.press("Enter");
      await confirm.waitFor({ state: "hidden" });
      await expect
        .poll(() => page.getByRole("status").filter({ hasText: "Demoted" }).textContent())
        .toBe(`Demoted ${BOB.preferredUsername}: now User, the default role. They can no longer open the admin pages.`);
      await bobRow.waitFor({ state: "detached" });
      expect((await api(bob!.page, "GET", "/api/me")).json).toMatchObject({ isAdmin: false, user: { role: "User" } });
      expect((await api(bob!.page, "GET", "/api/admin/admins")).status).toBe(403);
    },
  );

  it(
    "an Admin made by a group mapping has no Demote: the row names the group and links to Teams and roles",
    T,
    async () => {
      const user = await scim.post(
        "/Users",
        entraUser("dana@contoso.dev", { externalId: "d0d0d0d0-0000-4000-8000-0000000000d1" }),
      );
      const group = await scim.post("/Groups", {
        schemas: [GROUP],
        displayName: "Tenant Owners",
        externalId: "obj-owners",
        members: [{ value: user.body.id }],
      });
      expect(group.status).toBe(201);
      expect(
        (await api(ann.page, "POST", "/api/admin/roles/map", { group: group.body.id, role: "Admin" })).status,
      ).toBe(200);
      const { page } = ann;
      await page.reload();
      const row = page.getByRole("table", { name: "Admins" }).getByRole("row").filter({ hasText: "dana@contoso.dev" });
      await expect
        .poll(() => row.textContent())
        .toMatch(/Admin through group Tenant Owners.*To demote: unmap the group on Teams and roles/);
      expect(await row.getByRole("button").count()).toBe(0);
      await row.getByRole("link", { name: "Teams and roles" }).click();
      await page.waitForURL(`${rig.host.url}/portal/teams`);
      await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Admins" }).click();
      await page.getByRole("table", { name: "Admins" }).waitFor();
    },
  );

  it(
    "creates an invite (link shown once), lists it without the link, and revokes it by keyboard after a confirmation",
    T,
    async () => {
      const { page } = ann;
      const onlyFor = page.getByRole("textbox", { name: /Only for/ });
      await tabTo(page, onlyFor, "the invite's Only for field");
      await page.keyboard.type("erin@contoso.dev");
      await page.keyboard.press("Enter");
      const shown = page.getByRole("dialog", { name: "Invite created" });
      await shown.waitFor();
      const link = await shown.getByRole("textbox", { name: "Invite link" }).inputValue();
      expect(link).toMatch(new RegExp(`^${rig.host.url}/auth/invite#scimfinv_`));
      await axe(page, "the Invite created dialog");
      await page.keyboard.press("Escape");
      await shown.waitFor({ state: "hidden" });

      const invites = page.getByRole("table", { name: "Open invites" });
      const row = invites.getByRole("row").filter({ hasText: "erin@contoso.dev" });
      await expect.poll(() => row.textContent()).toMatch(/erin@contoso\.dev.*by portal:ann@contoso\.dev/);
      expect(await page.content()).not.toContain(link.split("#")[1]);
      await axe(page, "Admins with an open invite");
      await shoot(page, "portal-admins-invites");

      const id = (await api(page, "GET", "/api/admin/invites")).json.invites[0].id;
      const revoke = page.getByRole("button", { name: `Revoke invite ${id}` });
      expect(await revoke.getAttribute("data-danger")).toBe("true");
      await tabTo(page, revoke, "the invite's Revoke button");
      await page.keyboard.press("Enter");
      const confirm = page.getByRole("dialog", { name: `Revoke invite ${id}?` });
      await confirm.waitFor();
      expect(await confirm.textContent()).toMatch(/sent to erin@contoso\.dev stops working at once/);
      await axe(page, "the Revoke invite confirmation");
      await page.keyboard.press("Tab");
      await expect.poll(() => focusedIn(confirm, "Revoke invite")).toBe(true);
      await page.keyboard.press("Enter");
      await confirm.waitFor({ state: "hidden" });
      await expect
        .poll(() => page.getByRole("status").filter({ hasText: "Revoked invite" }).textContent())
        .toBe(`Revoked invite ${id} for erin@contoso.dev: its link no longer signs anyone in.`);
      await page.getByText("No open invites").waitFor();
      expect((await api(page, "GET", "/api/admin/invites")).json.invites).toEqual([]);
    },
  );
});
