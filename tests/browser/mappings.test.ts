import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BrowserContext, Page } from "playwright-core";
import { createInvite } from "../../shared/operations/sign-in.js";
import { ADMIN_CLI } from "../../shared/operations/context.js";
import { openCosmos } from "../../shared/store/cosmos.js";
import { GROUP, client, entraUser, patch, type Client } from "../helpers/host.js";
import { ANN } from "../helpers/portal.js";
import { groupWithMembers } from "../jobs/helpers.js";
import { expectNoSeriousViolations as axe } from "./axe.js";
import { api, devSignIn, newContext, type Rig, shoot, skipReason, startRig, tabTo } from "./browser.js";

/**
 * Teams and roles in a real Chromium: a mapped group renamed in Entra keeps its members' role and
 * shows its new name; unmapping asks first, saying what changes for how many users, by keyboard
 * alone; a large group's mapping says it runs as a background job and links to its progress; a
 * team's mapped group shows its name and member count. The tests run in order on one host.
 */

const skip = skipReason();
const T = { timeout: 90_000 };

let rig: Rig;
let scim: Client;
let tenantId: string;
let ann: { context: BrowserContext; page: Page };
const members: string[] = [];
let groupId = "";

const roleOf = async (page: Page, id: string) => (await api(page, "GET", `/api/admin/users/${id}`)).json.role as string;

async function openTeams(page: Page) {
  await page.goto(`${rig.host.url}/portal/teams`);
  await page.getByRole("table", { name: "Role mappings" }).or(page.getByText("No role mappings yet")).first().waitFor();
}

describe.skipIf(skip !== undefined)("Teams and roles in Chromium", () => {
  beforeAll(async () => {
    rig = await startRig();
    tenantId = rig.host.defaultTenant!.id;
    scim = client(rig.host, rig.host.defaultTenant!.token);
    for (const name of ["zoe", "adam", "mia"]) {
      const res = await scim.post("/Users", entraUser(`${name}@contoso.com`));
      expect(res.status).toBe(201);
      members.push(res.body.id);
    }
  }, 180_000);
  afterAll(async () => {
    await ann?.context.close();
    await rig?.close();
  });

  it(
    "a mapped group renamed in Entra keeps every member's role, and is listed by its new name with its member count",
    T,
    async () => {
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
      const created = await scim.post("/Groups", {
        schemas: [GROUP],
        displayName: "Resource Managers",
        externalId: "obj-rm",
        members: members.map((value) => ({ value })),
      });
      groupId = created.body.id;
      await openTeams(page);
      await page.getByRole("combobox", { name: "Group to map" }).selectOption("Resource Managers");
      await page.getByRole("combobox", { name: "Role" }).selectOption("Manager");
      await page.getByRole("button", { name: "Preview changes" }).click();
      const preview = page.getByRole("region", { name: "Preview of role changes" });
      await preview.getByText("Changes the role of 3 users").waitFor();
      // The preview lists who changes, by userName.
      const items = await preview.getByRole("list", { name: "Role changes" }).getByRole("listitem").allTextContents();
      expect(items.map((t) => t.split(":")[0])).toEqual(["adam@contoso.com", "mia@contoso.com", "zoe@contoso.com"]);
      await preview.getByRole("button", { name: "Save mapping" }).click();
      await page.getByRole("status").getByText("Mapped Resource Managers to Manager; 3 users changed role.").waitFor();

      // Entra renames the group (a PATCH replace of displayName).
      expect(
        (await scim.patch(`/Groups/${groupId}`, patch({ op: "Replace", path: "displayName", value: "Resource Mgmt" })))
          .status,
      ).toBe(204);
      for (const id of members) expect(await roleOf(page, id)).toBe("Manager");
      await openTeams(page);
      const row = page
        .getByRole("table", { name: "Role mappings" })
        .getByRole("row")
        .filter({ hasText: "Resource Mgmt" });
      expect(await row.textContent()).toMatch(/Resource Mgmt \(3 members\).*Manager/);
      expect(await page.getByRole("table", { name: "Role mappings" }).textContent()).not.toContain("not provisioned");
      await page.goto(`${rig.host.url}/portal/users/${members[0]}`);
      await page.getByText(/From membership of the Entra group Resource Mgmt/).waitFor();
    },
  );

  it(
    "unmapping asks first, by keyboard alone, saying whose role changes; then says what was done, and the old message is gone",
    T,
    async () => {
      const { page } = ann;
      await openTeams(page);
      const unmap = page.getByRole("button", { name: "Unmap Resource Mgmt from Manager" });
      expect(await unmap.getAttribute("data-danger")).toBe("true");
      await tabTo(page, unmap, "the Unmap button");
      await page.keyboard.press("Enter");
      const dialog = page.getByRole("dialog", { name: "Unmap Resource Mgmt from Manager?" });
      await dialog.getByText("Changes the role of 3 users of the group's 3 members.").waitFor();
      expect(await dialog.getByRole("list", { name: "Role changes" }).getByRole("listitem").allTextContents()).toEqual([
        "adam@contoso.com: Manager  User",
        "mia@contoso.com: Manager  User",
        "zoe@contoso.com: Manager  User",
      ]);
      await axe(page, "the unmap confirmation");
      await shoot(page, "portal-role-unmap-confirm");
      // Escape cancels: nothing changes.
      await page.keyboard.press("Escape");
      await dialog.waitFor({ state: "hidden" });
      expect(await roleOf(page, members[0]!)).toBe("Manager");

      await unmap.focus();
      await page.keyboard.press("Enter");
      await dialog.waitFor();
      const confirm = dialog.getByRole("button", { name: "Unmap", exact: true });
      expect(await confirm.getAttribute("data-danger")).toBe("true");
      await tabTo(page, confirm, "the dialog's Unmap button");
      await page.keyboard.press("Enter");
      await dialog.waitFor({ state: "hidden" });
      await page.getByRole("status").getByText("Unmapped Resource Mgmt from Manager; 3 users changed role.").waitFor();
      expect(await page.getByText(/Mapped Resource Managers to Manager/).count()).toBe(0);
      for (const id of members) expect(await roleOf(page, id)).toBe("User");
      await page.getByText("No role mappings yet").waitFor();
    },
  );

  it("a large group's mapping says it runs in the background and links to the job's progress", T, async () => {
    const { page } = ann;
    const container = openCosmos(rig.host.services.config.cosmos).resources;
    await groupWithMembers(
      rig.host,
      scim,
      container,
      "Everyone Large",
      rig.host.services.config.jobs.inlineMembers + 5,
    );
    await openTeams(page);
    await page
      .getByRole("combobox", { name: "Group to map" })
      .selectOption({ label: `Everyone Large (${rig.host.services.config.jobs.inlineMembers + 5} members)` });
    await page.getByRole("combobox", { name: "Role" }).selectOption("Manager");
    await page.getByRole("button", { name: "Preview changes" }).click();
    await page
      .getByRole("region", { name: "Preview of role changes" })
      .getByRole("button", { name: "Save mapping" })
      .click();
    const done = page.getByRole("status").filter({ hasText: "Mapped Everyone Large to Manager." });
    await done.getByText(/its members' roles are being updated in the background \(job /).waitFor();
    expect(await done.textContent()).not.toMatch(/0 users changed role/);
    await done.getByRole("link", { name: "Connection health" }).click();
    await page
      .getByRole("table", { name: "Background jobs" })
      .getByRole("row")
      .filter({ hasText: "Everyone Large" })
      .waitFor();
  });

  it(
    "a team's mapped group shows its name and member count; unmapping it asks first and says how many members move",
    T,
    async () => {
      const { page } = ann;
      expect((await api(page, "POST", "/api/admin/teams", { name: "Consultants" })).status).toBe(201);
      await openTeams(page);
      await page.getByRole("combobox", { name: "Entra group" }).selectOption("Resource Mgmt");
      await page.getByRole("combobox", { name: "Team" }).selectOption({ label: "Consultants" });
      await page.getByRole("button", { name: "Map group to team" }).click();
      await page
        .getByRole("status")
        .getByText("Mapped Resource Mgmt to team Consultants: its 3 members are in Consultants.")
        .waitFor();
      const row = page.getByRole("table", { name: "Teams" }).getByRole("row").filter({ hasText: "Consultants" });
      await row.getByText("Resource Mgmt (3 members)").waitFor();
      expect(await row.textContent()).not.toContain(groupId);
      await axe(page, "Teams and roles");
      await shoot(page, "portal-teams-mapped", { fullPage: true });
      // On a phone the page is no wider than the screen (long tables scroll inside their own box).
      await page.setViewportSize({ width: 390, height: 844 });
      try {
        const widths = await page.evaluate(() => {
          const past = (el: Element | null) => !!el && el.getBoundingClientRect().right > window.innerWidth + 1;
          const wide = [...document.querySelectorAll("body *")]
            .filter((el) => past(el) && !past(el.parentElement))
            .slice(0, 5)
            .map(
              (el) =>
                `${el.tagName.toLowerCase()}[${el.getAttribute("aria-label") ?? el.className}] ${Math.round(el.getBoundingClientRect().right)}px`,
            );
          return { scroll: document.documentElement.scrollWidth, screen: window.innerWidth, wide };
        });
        expect(widths.scroll, `wider than the screen: ${widths.wide.join(", ")}`).toBeLessThanOrEqual(widths.screen);
        await axe(page, "Teams and roles at 390 px");
        await shoot(page, "phone-teams-mapped", { fullPage: true });
      } finally {
        await page.setViewportSize({ width: 1280, height: 800 });
      }

      await row.getByRole("button", { name: "Unmap Resource Mgmt from Consultants" }).click();
      const dialog = page.getByRole("dialog", { name: "Unmap Resource Mgmt from team Consultants?" });
      await dialog.getByText(/3 members of Resource Mgmt leave team Consultants/).waitFor();
      await dialog.getByRole("button", { name: "Unmap", exact: true }).click();
      await page
        .getByRole("status")
        .getByText(/Unmapped Resource Mgmt from team Consultants: its 3 members left Consultants/)
        .waitFor();
      expect(await page.getByText(/Mapped Resource Mgmt to team Consultants/).count()).toBe(0);
    },
  );
});
