import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BrowserContext, Page } from "playwright-core";
import { createInvite } from "../../shared/operations/sign-in.js";
import { ADMIN_CLI } from "../../shared/operations/context.js";
import { createUser } from "../../shared/operations/users.js";
import { ENTERPRISE, client, entraUser, type Client } from "../helpers/host.js";
import { ANN } from "../helpers/portal.js";
import { expectNoSeriousViolations as axe } from "./axe.js";
import { devSignIn, newContext, shoot, skipReason, startRig, type Rig } from "./browser.js";

/**
 * The users list and a user's page in a real Chromium: search and filters kept in the address
 * (a reload keeps them), long names clipped with their whole text as a title, deleted users in
 * their own view, and a user's page showing the values Entra sent, its manager by name, and a
 * password-only user as able to sign in.
 */

const skip = skipReason();
const T = { timeout: 90_000 };

let rig: Rig;
let scim: Client;
let ann: { context: BrowserContext; page: Page };
let tenant: string;

/** Ann, the first Admin, signed in through an invite (once; expect.poll must run inside a test). */
async function admin(): Promise<Page> {
  if (ann) return ann.page;
  const services = rig.host.services;
  const { url } = await createInvite(
    { tenantId: tenant, actor: ADMIN_CLI, now: services.now(), services, baseUrl: "" },
    { publicBaseUrl: rig.host.url },
  );
  ann = await newContext(rig);
  await ann.page.goto(url);
  await ann.page.getByRole("button", { name: "Sign in with Microsoft" }).click();
  await devSignIn(ann.page, rig, ANN);
  await ann.page.waitForURL(/\/portal\//);
  return ann.page;
}
const ids: Record<string, string> = {};
const LONG = `${"Maximiliana-Alexandrina ".repeat(4)}Longname`;

async function user(userName: string, extra: Record<string, unknown>) {
  const res = await scim.post("/Users", entraUser(userName, extra));
  expect(res.status).toBe(201);
  ids[userName] = res.body.id;
}

const rows = (page: Page) => page.getByRole("table", { name: "Users" }).getByRole("row");

describe.skipIf(skip !== undefined)("Users pages in Chromium", () => {
  beforeAll(async () => {
    rig = await startRig();
    const tenantId = rig.host.defaultTenant!.id;
    scim = client(rig.host, rig.host.defaultTenant!.token);
    await user("boss@contoso.dev", { displayName: "Bea Boss" });
    await user("ivo.jansen@contoso.dev", {
      displayName: "Ivo Jansen",
      title: "Planner",
      phoneNumbers: [{ type: "mobile", value: "+31 6 1234 5678" }],
      addresses: [{ type: "work", locality: "Utrecht", country: "NL" }],
      [ENTERPRISE]: { employeeNumber: "00042", department: "Logistics", manager: { value: ids["boss@contoso.dev"] } },
    });
    await user("old.jansen@contoso.dev", { displayName: "Old Jansen", active: false });
    await user("long@contoso.dev", { displayName: LONG });
    await user("gone@contoso.dev", { displayName: "Gone Soon" });
    expect((await scim.delete(`/Users/${ids["gone@contoso.dev"]}`)).status).toBe(204);
    tenant = tenantId;
  }, 180_000);
  afterAll(async () => {
    await ann?.context.close();
    await rig?.close();
  });

  it("searches a surname and filters by status; both are in the address and survive a reload", T, async () => {
    const page = await admin();
    await page.goto(`${rig.host.url}/portal/users`);
    await page.getByRole("searchbox", { name: "Search users" }).fill("JANSEN");
    await expect.poll(() => rows(page).count()).toBe(3); // header + both Jansens
    await page.getByRole("combobox", { name: "Status" }).selectOption("active");
    await expect.poll(() => rows(page).count()).toBe(2);
    await page.waitForURL(/search=JANSEN/);
    expect(new URL(page.url()).searchParams.get("status")).toBe("active");
    await page.reload();
    await expect.poll(() => rows(page).count()).toBe(2);
    expect(await rows(page).nth(1).textContent()).toContain("ivo.jansen@contoso.dev");
    expect(await page.getByRole("searchbox", { name: "Search users" }).inputValue()).toBe("JANSEN");
    expect(await page.getByRole("combobox", { name: "Status" }).inputValue()).toBe("active");
    await axe(page, "Users, searched and filtered");
  });

  it("clips a long name to its cell, with the whole name as its title", T, async () => {
    const page = await admin();
    await page.goto(`${rig.host.url}/portal/users?search=long%40`);
    const cell = page.getByRole("table", { name: "Users" }).getByRole("cell", { name: LONG });
    await cell.waitFor();
    expect(await cell.getAttribute("title")).toBe(LONG);
    const inner = cell.locator(".fui-TableCellLayout__main");
    // Clipped: the text is wider than its box, shown with an ellipsis, and the row stays one line high.
    expect(await inner.evaluate((el) => [el.scrollWidth > el.clientWidth, getComputedStyle(el).textOverflow])).toEqual([
      true,
      "ellipsis",
    ]);
    await shoot(page, "portal-users-long-name");
  });

  it("shows deleted users in their own read-only view", T, async () => {
    const page = await admin();
    await page.goto(`${rig.host.url}/portal/users`);
    await page.getByRole("tab", { name: "Deleted users" }).click();
    await page.waitForURL(/view=deleted/);
    const table = page.getByRole("table", { name: "Deleted users" });
    await table.getByRole("cell", { name: "gone@contoso.dev", exact: true }).waitFor();
    expect(await table.getByRole("link").count()).toBe(0);
    await axe(page, "Deleted users");
  });

  it("shows the values Entra sent on the user page, with the manager by name and a link", T, async () => {
    const page = await admin();
    await page.goto(`${rig.host.url}/portal/users/${ids["ivo.jansen@contoso.dev"]}`);
    const attributes = page.getByRole("definition");
    await page.getByText("Planner", { exact: true }).waitFor();
    for (const value of ["00042", "Logistics", "+31 6 1234 5678 (mobile)", "Utrecht, NL (work)"])
      await page.getByText(value, { exact: true }).waitFor();
    expect(await attributes.count()).toBeGreaterThan(10);
    await page.getByRole("link", { name: "Bea Boss (boss@contoso.dev)" }).click();
    await page.waitForURL(`**/portal/users/${ids["boss@contoso.dev"]}`);
    await axe(page, "a user");
  });

  it("says a password-only user can sign in when Password is switched on", T, async () => {
    const page = await admin();
    const services = rig.host.services;
    const ctx = { tenantId: tenant, actor: ADMIN_CLI, now: services.now(), services, baseUrl: "" };
    const { id } = await createUser(ctx, { userName: "pat@contoso.dev", loginTypes: ["password"] });
    await page.goto(`${rig.host.url}/portal/users/${id}`);
    await page.getByText("Can sign in with Password.").waitFor();
  });
  it(
    "removes an Object ID only after a confirmation that says what changes, in danger colours, then says what was done",
    T,
    async () => {
      const page = await admin();
      await page.goto(`${rig.host.url}/portal/users/${ids["boss@contoso.dev"]}`);
      const remove = page.getByRole("button", { name: "Remove Object ID" });
      expect(await remove.getAttribute("data-danger")).toBe("true");
      // By keyboard alone: Enter opens the confirmation with Cancel focused; Escape cancels and nothing changes.
      await remove.focus();
      await page.keyboard.press("Enter");
      const dialog = page.getByRole("dialog");
      await dialog.getByText(/can no longer sign in with Entra SSO until an Object ID is set again/).waitFor();
      await axe(page, "the remove Object ID confirmation");
      await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe("Cancel");
      await page.keyboard.press("Escape");
      await dialog.waitFor({ state: "detached" });
      expect(await page.getByTestId("object-id").count()).toBe(1);
      await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe("Remove Object ID");
      // Enter again, Tab from Cancel to the danger button, Enter.
      await page.keyboard.press("Enter");
      await dialog.getByText(/can no longer sign in with Entra SSO/).waitFor();
      await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe("Cancel");
      await page.keyboard.press("Tab");
      await page.keyboard.press("Enter");
      await page
        .getByText(
          "Entra sign-in removed: boss@contoso.dev no longer has an Object ID, and their open sessions were ended.",
        )
        .waitFor();
      expect(await page.getByTestId("object-id").count()).toBe(0);
    },
  );
});
