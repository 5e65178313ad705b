import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BrowserContext, Page } from "playwright-core";
import { ENTERPRISE, client, entraUser, patch, type Client } from "../helpers/host.js";
import { ANN, invite } from "../helpers/portal.js";
import { expectNoSeriousViolations as axe } from "./axe.js";
import { devSignIn, newContext, shoot, skipReason, startRig, type Rig } from "./browser.js";

/**
 * The provisioning log in a real Chromium: old and new values with display names, search by
 * name, filters and page kept in the address (reload and back keep them), and the CSV export.
 */

const skip = skipReason();
const T = { timeout: 90_000 };

let rig: Rig;
let scim: Client;
let admin: { context: BrowserContext; page: Page };
let veraId: string;

const table = (page: Page) => page.getByRole("table", { name: "Provisioning events" });
const dataRows = (page: Page) =>
  table(page)
    .getByRole("row")
    .filter({ has: page.getByRole("cell") });
const search = (page: Page) => new URL(page.url()).searchParams;

describe.skipIf(skip !== undefined)("provisioning log in Chromium", () => {
  beforeAll(async () => {
    rig = await startRig();
    scim = client(rig.host, rig.host.defaultTenant!.token);
    const created = await scim.post(
      "/Users",
      entraUser("vera@contoso.dev", {
        displayName: "Vera Quist",
        title: "Engineer",
        [ENTERPRISE]: { employeeNumber: "1001" },
      }),
    );
    expect(created.status).toBe(201);
    veraId = (created.body as { id: string }).id;
    const changed = await scim.patch(
      `/Users/${veraId}`,
      patch(
        { op: "Replace", path: "title", value: "Manager" },
        { op: "Replace", path: `${ENTERPRISE}:employeeNumber`, value: "1002" },
      ),
    );
    expect(changed.status).toBe(200);
  }, 180_000);
  afterAll(async () => {
    await admin?.context.close();
    await rig?.close();
  });

  it(
    "shows old and new values by display name, and filters by a name typed in the form, kept in the address through a reload and Back",
    T,
    async () => {
      const { url } = await invite(rig.host, rig.host.defaultTenant!.id);
      admin = await newContext(rig);
      const { page } = admin;
      await page.goto(url);
      await page.getByRole("button", { name: "Sign in with Microsoft" }).click();
      await devSignIn(page, rig, ANN);
      await page.getByRole("navigation", { name: "Main" }).waitFor();
      await page.goto("/portal/log");
      await dataRows(page).first().waitFor();
      await page.getByRole("textbox", { name: /Resource ID or name/ }).fill("QUIST");
      await page.getByRole("combobox", { name: "Operation" }).selectOption("patch");
      await page.getByRole("button", { name: "Apply filters" }).click();
      await expect.poll(() => search(page).toString()).toBe("operation=patch&resource=QUIST");
      await expect.poll(() => dataRows(page).count()).toBe(1);
      const row = dataRows(page).first();
      expect(await row.textContent()).toContain("vera@contoso.dev (Vera Quist)");
      expect(await row.textContent()).toContain("Job title: Engineer → Manager; Employee number: 1001 → 1002");
      await axe(page, "Provisioning log, filtered");
      await shoot(page, "portal-log-values", { fullPage: true });

      await page.reload();
      await expect.poll(() => dataRows(page).count()).toBe(1);
      expect(await page.getByRole("textbox", { name: /Resource ID or name/ }).inputValue()).toBe("QUIST");
      expect(await page.getByRole("combobox", { name: "Operation" }).inputValue()).toBe("patch");

      await row.getByRole("button", { name: /^Details of patch vera@contoso.dev/ }).click();
      const details = page.getByRole("dialog", { name: "Event details" });
      const changes = details.getByRole("table", { name: "Changed attributes" });
      const employee = changes.getByRole("row").filter({ hasText: "Employee number" });
      expect(await employee.getByRole("cell").allTextContents()).toEqual([
        `Employee number${ENTERPRISE}:employeeNumber`,
        "1001",
        "1002",
      ]);
      await axe(page, "the Event details dialog with values");
      await shoot(page, "portal-log-values-details");
      await page.keyboard.press("Escape");
      await details.waitFor({ state: "hidden" });

      await page.getByRole("combobox", { name: "Operation" }).selectOption("create");
      await page.getByRole("button", { name: "Apply filters" }).click();
      await expect.poll(() => search(page).get("operation")).toBe("create");
      await expect
        .poll(async () => (await dataRows(page).first().textContent()) ?? "")
        .toContain("Job title: (none) → Engineer");
      await page.goBack();
      await expect.poll(() => search(page).get("operation")).toBe("patch");
      await expect.poll(() => page.getByRole("combobox", { name: "Operation" }).inputValue()).toBe("patch");
      await expect
        .poll(async () => (await dataRows(page).first().textContent()) ?? "")
        .toContain("Employee number: 1001 → 1002");
    },
  );

  it("offers the admin operations in the filter and exports what the filters match as CSV", T, async () => {
    const { page } = admin;
    const operation = page.getByRole("combobox", { name: "Operation" });
    for (const op of ["role-map", "token-create", "admin-grant", "oauth-token"])
      expect(await operation.locator(`option[value="${op}"]`).count()).toBe(1);
    const link = page.getByRole("link", { name: "Export CSV" });
    const href = await link.getAttribute("href");
    expect(href).toBe("/api/admin/audit/export?operation=patch&resource=QUIST");
    const csv = await page.evaluate(async (path) => (await fetch(path!)).text(), href);
    const lines = csv.trimEnd().split("\r\n");
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain("Job title: Engineer → Manager");
  });

  it("keeps the page in the address: Next page, reload, still page 2", T, async () => {
    for (let i = 0; i < 52; i++)
      expect((await scim.post("/Users", entraUser(`pager-${String(i).padStart(2, "0")}@contoso.dev`))).status).toBe(
        201,
      );
    const { page } = admin;
    await page.goto("/portal/log?resource=pager-&operation=create");
    await expect.poll(() => dataRows(page).count()).toBe(50);
    await page.getByRole("button", { name: "Next page" }).click();
    await expect.poll(() => search(page).get("page")).toBe("2");
    await expect.poll(() => dataRows(page).count()).toBe(2);
    await page.reload();
    await expect.poll(() => dataRows(page).count()).toBe(2);
    expect(await page.getByRole("navigation", { name: "Pages of events" }).textContent()).toContain(
      "events 51–52 of 52",
    );
    // The oldest two: pager-00 and pager-01.
    expect((await dataRows(page).allTextContents()).join(" ")).toMatch(/pager-01@contoso\.dev.*pager-00@contoso\.dev/);
    await axe(page, "Provisioning log, page 2");
  });
});
