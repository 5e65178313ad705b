import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BrowserContext, Page } from "playwright-core";
import { createInvite } from "../../shared/operations/sign-in.js";
import { ADMIN_CLI } from "../../shared/operations/context.js";
import { GROUP, client, entraUser, type Client } from "../helpers/host.js";
import { ANN } from "../helpers/portal.js";
import { expectNoSeriousViolations as axe } from "./axe.js";
import { api, devSignIn, newContext, type Rig, shoot, skipReason, startRig, tabTo } from "./browser.js";

/**
 * Issue 16 in a real Chromium: a product team renamed in a dialog and deleted behind a keyboard
 * confirmation that says how many mappings and users it affects; a pending role and team mapping
 * made from the portal, shown as pending, that binds when Entra creates the group; an existing user
 * made Admin from the Admins page (and demoted again). The tests run in order on one host.
 */

const skip = skipReason();
const T = { timeout: 90_000 };

let rig: Rig;
let scim: Client;
let ann: { context: BrowserContext; page: Page };
let tenantId: string;
const members: string[] = [];

const focusedText = (page: Page) => page.evaluate(() => document.activeElement?.textContent ?? "");

async function openTeams(page: Page) {
  await page.goto(`${rig.host.url}/portal/teams`);
  await page.getByRole("table", { name: "Teams" }).or(page.getByText("No teams yet")).first().waitFor();
}

describe.skipIf(skip !== undefined)("Teams managed, pending mappings and Make Admin in Chromium", () => {
  beforeAll(async () => {
    rig = await startRig();
    scim = client(rig.host, rig.host.defaultTenant!.token);
    for (const name of ["olga", "paul"]) {
      const res = await scim.post("/Users", entraUser(`${name}@contoso.com`));
      expect(res.status).toBe(201);
      members.push(res.body.id);
    }
    tenantId = rig.host.defaultTenant!.id;
  }, 180_000);
  afterAll(async () => {
    await ann?.context.close();
    await rig?.close();
  });

  it("renames a team in a dialog: its mapped group and members stay", T, async () => {
    // Ann signs in through an invite (she becomes the first Admin).
    const services = rig.host.services;
    const { url } = await createInvite(
      { tenantId, actor: ADMIN_CLI, now: services.now(), services, baseUrl: "" },
      { publicBaseUrl: rig.host.url },
    );
    ann = await newContext(rig);
    await ann.page.goto(url);
    await ann.page.getByRole("button", { name: "Sign in with Microsoft" }).click();
    await devSignIn(ann.page, rig, ANN);
    await ann.page.waitForURL(/\/portal\//);
    const { page } = ann;
    const group = await scim.post("/Groups", {
      schemas: [GROUP],
      displayName: "Field Team",
      members: members.map((value) => ({ value })),
    });
    expect(group.status).toBe(201);
    expect((await api(page, "POST", "/api/admin/teams", { name: "Consultants" })).status).toBe(201);
    expect((await api(page, "POST", "/api/admin/teams/map", { group: "Field Team", team: "Consultants" })).status).toBe(
      200,
    );
    await openTeams(page);
    await page.getByRole("button", { name: "Rename team Consultants" }).click();
    const dialog = page.getByRole("dialog", { name: "Rename team Consultants" });
    const name = dialog.getByRole("textbox", { name: "New name" });
    await name.fill("Advisory");
    await name.press("Enter");
    await dialog.waitFor({ state: "hidden" });
    await page
      .getByRole("status")
      .getByText("Renamed team Consultants to Advisory. Its 1 mapped group and 2 members are unchanged.")
      .waitFor();
    const row = page.getByRole("table", { name: "Teams" }).getByRole("row").filter({ hasText: "Advisory" });
    await row.getByText("Field Team (2 members)").waitFor();
    const users = (await api(page, "GET", "/api/admin/users?search=olga")).json.users;
    expect(users[0].teams.map((t: { name: string }) => t.name)).toEqual(["Advisory"]);
    // The member count links to the team's members on Users.
    await row.getByRole("link", { name: "2 members of Advisory: show them on Users" }).click();
    await page.waitForURL(/\/portal\/users\?team=/);
    await page.getByText("olga@contoso.com").first().waitFor();
    await page.getByText("paul@contoso.com").first().waitFor();
  });

  it(
    "deletes a team by keyboard alone behind a confirmation that says how many mappings and users it affects",
    T,
    async () => {
      const { page } = ann;
      await openTeams(page);
      const del = page.getByRole("button", { name: "Delete team Advisory" });
      expect(await del.getAttribute("data-danger")).toBe("true");
      await tabTo(page, del, "the Delete button");
      await page.keyboard.press("Enter");
      const dialog = page.getByRole("dialog", { name: "Delete team Advisory?" });
      await dialog.getByText("Removes 1 team mapping; 2 users lose the team Advisory.").waitFor();
      await dialog.getByText(/The members of Field Team are in a team of their group's own instead/).waitFor();
      expect(await focusedText(page)).toBe("Cancel");
      await axe(page, "the team delete confirmation");
      await shoot(page, "portal-teams-manage");
      // Escape cancels: nothing changes.
      await page.keyboard.press("Escape");
      await dialog.waitFor({ state: "hidden" });
      expect(
        (await api(page, "GET", "/api/admin/teams")).json.teams.some((t: { name: string }) => t.name === "Advisory"),
      ).toBe(true);

      await del.focus();
      await page.keyboard.press("Enter");
      await dialog.waitFor();
      const confirm = dialog.getByRole("button", { name: "Delete team", exact: true });
      expect(await confirm.getAttribute("data-danger")).toBe("true");
      await tabTo(page, confirm, "the dialog's Delete team button");
      await page.keyboard.press("Enter");
      await dialog.waitFor({ state: "hidden" });
      await page
        .getByRole("status")
        .getByText(/^Deleted team Advisory and its 1 team mapping: 2 users left the team/)
        .waitFor();
      const teams = (await api(page, "GET", "/api/admin/teams")).json.teams as { name: string; source: string }[];
      expect(teams.map((t) => [t.name, t.source])).toEqual([["Field Team", "entra"]]);
      await axe(page, "Teams and roles after the deletion");
    },
  );

  it("maps a group Entra has not provisioned yet, shown as pending, which binds when Entra creates it", T, async () => {
    const { page } = ann;
    expect((await api(page, "POST", "/api/admin/teams", { name: "Launch" })).status).toBe(201);
    await openTeams(page);
    const roles = page.getByRole("region", { name: "Role mappings" });
    await roles.getByRole("checkbox", { name: "The group is not provisioned yet" }).check();
    await roles.getByRole("textbox", { name: "Group to map (not provisioned yet)" }).fill("Launch Crew");
    await roles.getByRole("combobox", { name: "Role" }).selectOption("Manager");
    await roles.getByRole("button", { name: "Preview changes" }).click();
    const preview = page.getByRole("region", { name: "Preview of role changes" });
    await preview
      .getByText(/Mapping Launch Crew to Manager as pending: it binds when Entra creates this group/)
      .waitFor();
    await preview.getByRole("button", { name: "Save mapping" }).click();
    await page
      .getByRole("status")
      .getByText(/^Mapped Launch Crew to Manager as pending/)
      .waitFor();
    const roleRow = page
      .getByRole("table", { name: "Role mappings" })
      .getByRole("row")
      .filter({ hasText: "Launch Crew" });
    await roleRow.getByText("Pending", { exact: true }).waitFor();
    await roleRow.getByText("(not provisioned yet: binds when Entra creates this group)").waitFor();

    const teamsSection = page.getByRole("region", { name: "Teams" });
    await teamsSection.getByRole("checkbox", { name: "The group is not provisioned yet" }).check();
    await teamsSection.getByRole("textbox", { name: "Entra group (not provisioned yet)" }).fill("Launch Crew");
    await teamsSection.getByRole("combobox", { name: "Team" }).selectOption({ label: "Launch" });
    await teamsSection.getByRole("button", { name: "Map pending group to team" }).click();
    await page
      .getByRole("status")
      .getByText(/^Mapped Launch Crew to team Launch as pending/)
      .waitFor();
    const teamRow = page.getByRole("table", { name: "Teams" }).getByRole("row").filter({ hasText: "Launch Crew" });
    await teamRow.getByText("Pending", { exact: true }).waitFor();
    await teamRow.getByText("Launch Crew (not provisioned yet: binds when Entra creates this group)").waitFor();
    await axe(page, "Teams and roles with pending mappings");

    // Entra creates the group: both mappings bind, and its member gets the role and the team.
    expect(
      (await scim.post("/Groups", { schemas: [GROUP], displayName: "Launch Crew", members: [{ value: members[0] }] }))
        .status,
    ).toBe(201);
    await openTeams(page);
    await page
      .getByRole("table", { name: "Role mappings" })
      .getByRole("row")
      .filter({ hasText: "Launch Crew (1 member)" })
      .waitFor();
    await page
      .getByRole("table", { name: "Teams" })
      .getByRole("row")
      .filter({ hasText: "Launch" })
      .getByText("Launch Crew (1 member)")
      .waitFor();
    expect(await page.getByText("Pending", { exact: true }).count()).toBe(0);
    const olga = (await api(page, "GET", `/api/admin/users/${members[0]}`)).json;
    expect(olga.role).toBe("Manager");
  });

  it(
    "makes an existing user Admin from the Admins page after a confirmation, and Demote takes it back",
    T,
    async () => {
      const { page } = ann;
      expect((await scim.post("/Users", entraUser("nina@contoso.com"))).status).toBe(201);
      await page.goto(`${rig.host.url}/portal/admins`);
      const grant = page.getByRole("region", { name: "Make an existing user Admin" });
      await grant.getByRole("searchbox", { name: "Find a user" }).fill("nina");
      await grant.getByRole("button", { name: "Search" }).click();
      await grant.getByRole("combobox", { name: "User" }).selectOption({ label: "nina@contoso.com" });
      await grant.getByRole("button", { name: "Make Admin" }).click();
      const dialog = page.getByRole("dialog", { name: "Make nina@contoso.com Admin?" });
      await dialog.getByText(/nina@contoso.com \(now User\) becomes Admin/).waitFor();
      expect(await focusedText(page)).toBe("Cancel");
      await axe(page, "the Make Admin confirmation");
      await shoot(page, "portal-admins-grant");
      await dialog.getByRole("button", { name: "Make Admin" }).click();
      await dialog.waitFor({ state: "hidden" });
      await page
        .getByRole("status")
        .getByText(/^Made nina@contoso.com Admin: Admin granted by portal:ann@contoso.dev/)
        .waitFor();
      const row = page.getByRole("table", { name: "Admins" }).getByRole("row").filter({ hasText: "nina@contoso.com" });
      await row.getByText(/Admin granted by portal:ann@contoso.dev/).waitFor();
      await axe(page, "Admins after the grant");

      // Already Admin: the picker says so and does not offer them.
      await grant.getByRole("searchbox", { name: "Find a user" }).fill("nina");
      await grant.getByRole("button", { name: "Search" }).click();
      expect(await grant.getByRole("option", { name: "nina@contoso.com: already Admin" }).isDisabled()).toBe(true);

      await row.getByRole("button", { name: "Demote nina@contoso.com" }).click();
      const demote = page.getByRole("dialog", { name: "Demote nina@contoso.com?" });
      await demote.getByRole("button", { name: "Demote", exact: true }).click();
      await page
        .getByRole("status")
        .getByText(/^Demoted nina@contoso.com: now User/)
        .waitFor();
      expect(
        (await api(page, "GET", "/api/admin/admins")).json.admins.map((a: { userName: string }) => a.userName),
      ).toEqual(["ann@contoso.dev"]);
    },
  );
});
