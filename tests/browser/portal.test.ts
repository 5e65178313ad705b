import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BrowserContext, Page } from "playwright-core";
import { runAdmin } from "../../local/cli/admin.js";
import { DEV_TENANT_ID, type DevPerson } from "../../local/host/dev-oidc.js";
import { ADMIN_CLI } from "../../shared/operations/context.js";
import { setLoginTypes } from "../../shared/operations/login-types.js";
import { openCosmos } from "../../shared/store/cosmos.js";
import { client, entraUser, GROUP, patch, q, type Client } from "../helpers/host.js";
import { ANN } from "../helpers/portal.js";
import { groupWithMembers } from "../jobs/helpers.js";
import { expectNoSeriousViolations as axe } from "./axe.js";
import { api, devSignIn, newContext, portalSignIn, type Rig, shoot, skipReason, startRig, within } from "./browser.js";

/**
 * The admin portal in a real Chromium against a local host (embedded store, development OpenID
 * provider): the flows an admin follows, from the first invite to a refused sign-in. The tests run
 * in order on one host: each builds on what the previous ones provisioned, as an admin would.
 * `npm run screenshots` runs them with SCREENSHOTS=1, which saves docs/screenshots/*.png.
 */

const skip = skipReason();
const T = { timeout: 60_000 };

let rig: Rig;
let scim: Client;
let tenantId: string;
let admin: { context: BrowserContext; page: Page };

/** Carol: provisioned by SCIM, then given an Object ID in the portal, then signed in. */
const CAROL: DevPerson = {
  tid: DEV_TENANT_ID,
  oid: "c0c0c0c0-0000-4000-8000-00000000ca01",
  preferredUsername: "carol@contoso.dev",
  name: "Carol Diaz",
};
let carolId: string;
let carolSession: { context: BrowserContext; page: Page } | undefined;

const main = (page: Page) => page.getByRole("navigation", { name: "Main" });
const h1 = (page: Page) => page.getByRole("heading", { level: 1 });

describe.skipIf(skip !== undefined)("admin portal in Chromium", () => {
  beforeAll(async () => {
    rig = await startRig();
    tenantId = rig.host.defaultTenant!.id;
    scim = client(rig.host, rig.host.defaultTenant!.token);
  }, 180_000);
  afterAll(async () => {
    await carolSession?.context.close();
    await admin?.context.close();
    await rig?.close();
  });

  it("bootstrap: the CLI's invite link signs the first person in as Admin", T, async () => {
    const out: string[] = [];
    const code = await runAdmin(["admin", "invite", "--tenant", tenantId, "--base-url", rig.host.url, "--json"], {
      env: {},
      services: rig.host.services,
      out: (t) => out.push(t),
      err: (t) => out.push(t),
    });
    expect(code, out.join("\n")).toBe(0);
    const link: string = JSON.parse(out.join("\n")).url;
    expect(link).toMatch(new RegExp(`^${rig.host.url}/auth/invite#scimfinv_`));

    admin = await newContext(rig);
    const { page } = admin;
    await page.goto(link);
    // The page's script moved the code from the fragment into the form and out of the address bar.
    await expect.poll(() => page.url()).toBe(`${rig.host.url}/auth/invite`);
    await axe(page, "the invite page");
    expect(await page.getByLabel("Invite code").inputValue()).toBe(link.split("#")[1]);
    await page.getByRole("button", { name: "Sign in with Microsoft" }).click();
    await page.getByRole("heading", { name: "Development sign-in" }).waitFor();
    await axe(page, "the development sign-in page");
    await devSignIn(page, rig, ANN);

    await page.waitForURL(`${rig.host.url}/portal/integrations/tokens`);
    await expect.poll(() => h1(page).textContent()).toBe("Tokens");
    // The invite made a new user from the token's claims: named by its user name only once.
    // The name Entra gave (the invite created the user with it), then the userName.
    expect(await page.getByTestId("signed-in-user").textContent()).toBe(`${ANN.name}${ANN.preferredUsername}`);
    for (const name of [
      "Authentication",
      "Tokens",
      "Account types",
      "Users",
      "Teams and roles",
      "Provisioning log",
      "Connection health",
      "My profile",
    ]) {
      await main(page).getByRole("link", { name }).waitFor();
    }
    expect(await main(page).getByRole("link", { name: "Tokens" }).getAttribute("aria-current")).toBe("page");
    await axe(page, "Tokens");

    const me = await api(page, "GET", "/api/me");
    expect(me.json).toMatchObject({
      isAdmin: true,
      user: { userName: ANN.preferredUsername, role: "Admin", objectId: ANN.oid },
      tenant: { id: tenantId, entraTenantId: DEV_TENANT_ID },
    });
    expect((await rig.host.services.tenants.get(tenantId))?.entraTenantId).toBe(DEV_TENANT_ID);
  });

  it("tokens: create one, use it for SCIM, revoke it, and SCIM answers 401 within 5 s", T, async () => {
    const { page, context } = admin;
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: rig.host.url });
    await main(page).getByRole("link", { name: "Tokens" }).click();
    await page.getByRole("textbox", { name: "Name" }).fill("entra-browser");
    // The default expiry: a year from today.
    const expiresOn = await page.getByLabel("Expires on").inputValue();
    const inAYear = new Date();
    inAYear.setFullYear(inAYear.getFullYear() + 1);
    expect(Math.abs(Date.parse(expiresOn) - inAYear.getTime())).toBeLessThan(2 * 86_400_000);
    expect(await page.getByRole("textbox", { name: "Audience (Tenant URL)" }).inputValue()).toBe(rig.host.tenantUrl);
    await page.getByRole("button", { name: "Create token" }).click();

    const dialog = page.getByRole("dialog", { name: "Token created" });
    await dialog.waitFor();
    expect(await dialog.getByRole("textbox", { name: "Tenant URL" }).inputValue()).toBe(rig.host.tenantUrl);
    const shown = await dialog.getByRole("textbox", { name: "Secret token" }).inputValue();
    expect(shown).toMatch(/^scimf_/);
    await axe(page, "the Token created dialog");
    await dialog.getByRole("button", { name: "Copy Secret token" }).click();
    const secret = await page.evaluate(() => navigator.clipboard.readText());
    expect(secret).toBe(shown);
    await shoot(page, "portal-token-created");

    const listed = (await api(page, "GET", "/api/admin/tokens")).json.tokens.find(
      (t: { name: string }) => t.name === "entra-browser",
    );
    expect(listed).toMatchObject({ status: "active", audience: rig.host.tenantUrl });
    expect(listed.expiresAt.slice(0, 10)).toBe(expiresOn);
    const filter = `/Users?filter=${q('userName eq "nobody@contoso.dev"')}`;
    const entra = client(rig.host, secret);
    expect((await entra.get(filter)).status).toBe(200);

    await dialog.getByRole("button", { name: "Done" }).click();
    await dialog.waitFor({ state: "hidden" });
    const table = page.getByRole("table", { name: "Tokens" });
    const row = table.getByRole("row").filter({ hasText: "entra-browser" });
    await row.waitFor();

    await page.getByRole("button", { name: "Revoke entra-browser" }).click();
    const confirm = page.getByRole("dialog", { name: "Revoke token entra-browser?" });
    await confirm.waitFor();
    await axe(page, "the Revoke token dialog");
    await confirm.getByRole("button", { name: "Revoke token" }).click();
    await confirm.waitFor({ state: "hidden" });
    await row.getByText("Revoked").waitFor();
    await within(5_000, async () => (await entra.get(filter)).status === 401, "SCIM refuses the revoked token");
    expect(await page.getByRole("button", { name: "Revoke entra-browser" }).getAttribute("aria-disabled")).toBe("true");
    await shoot(page, "portal-tokens");
  });

  it(
    "tokens by keyboard alone: Tab to Name, type, Enter, the dialog has focus, Escape, focus back on Create token; the revoke confirmation too",
    T,
    async () => {
      const { page } = admin;
      await page.goto("/portal/integrations/tokens");
      await page.getByRole("table", { name: "Tokens" }).waitFor();
      const focused = () =>
        page.evaluate(() => ({
          label:
            document.activeElement?.getAttribute("aria-label") ??
            (document.activeElement as HTMLInputElement | null)?.labels?.[0]?.textContent ??
            "",
          text: document.activeElement?.textContent ?? "",
          tag: document.activeElement?.tagName,
        }));
      let reached = false;
      for (let i = 0; i < 40 && !reached; i++) {
        await page.keyboard.press("Tab");
        reached = await page.getByRole("textbox", { name: "Name" }).evaluate((el) => el === document.activeElement);
      }
      expect(reached, `Tab never reached the Name field (last focus: ${JSON.stringify(await focused())})`).toBe(true);
      await page.keyboard.type("entra-keyboard");
      await page.keyboard.press("Enter");
      const dialog = page.getByRole("dialog", { name: "Token created" });
      await dialog.waitFor();
      await expect.poll(() => dialog.evaluate((el) => el.contains(document.activeElement))).toBe(true);
      await page.keyboard.press("Escape");
      await dialog.waitFor({ state: "hidden" });
      await expect
        .poll(() => page.getByRole("button", { name: "Create token" }).evaluate((el) => el === document.activeElement))
        .toBe(true);
      await page
        .getByRole("table", { name: "Tokens" })
        .getByRole("row")
        .filter({ hasText: "entra-keyboard" })
        .waitFor();
      const tokens = await api(page, "GET", "/api/admin/tokens");
      expect(tokens.json.tokens.find((t: { name: string }) => t.name === "entra-keyboard")).toMatchObject({
        status: "active",
      });

      // On to its Revoke button, Enter: the confirmation has "Cancel" focused first; Escape returns focus to the button.
      const revoke = page.getByRole("button", { name: "Revoke entra-keyboard" });
      reached = false;
      for (let i = 0; i < 40 && !reached; i++) {
        await page.keyboard.press("Tab");
        reached = await revoke.evaluate((el) => el === document.activeElement);
      }
      expect(
        reached,
        `Tab never reached "Revoke entra-keyboard" (last focus: ${JSON.stringify(await focused())})`,
      ).toBe(true);
      await page.keyboard.press("Enter");
      const confirm = page.getByRole("dialog", { name: "Revoke token entra-keyboard?" });
      await confirm.waitFor();
      await expect
        .poll(() => confirm.getByRole("button", { name: "Cancel" }).evaluate((el) => el === document.activeElement))
        .toBe(true);
      await page.keyboard.press("Escape");
      await confirm.waitFor({ state: "hidden" });
      await expect.poll(() => revoke.evaluate((el) => el === document.activeElement)).toBe(true);
      expect(
        (await api(page, "GET", "/api/admin/tokens")).json.tokens.find(
          (t: { name: string }) => t.name === "entra-keyboard",
        ),
      ).toMatchObject({
        status: "active",
      });
    },
  );

  it(
    "authentication: an OAuth client for Entra — the secret shown once, a token from the token endpoint, SCIM with it, rotation, a federated credential",
    T,
    async () => {
      const { page } = admin;
      await main(page).getByRole("link", { name: "Authentication" }).click();
      await page.waitForURL("**/portal/authentication");
      await expect.poll(() => h1(page).textContent()).toBe("Authentication");
      expect(await main(page).getByRole("link", { name: "Authentication" }).getAttribute("aria-current")).toBe("page");
      const methods = page.getByRole("tablist", { name: "Authentication method" });
      expect(await methods.getByRole("tab").count()).toBe(3);
      expect(
        await methods.getByRole("tab", { name: /OAuth 2.0 client credentials/ }).getAttribute("aria-selected"),
      ).toBe("true");
      await page
        .getByTestId("empty-state")
        .getByText("Create an OAuth client, then paste these values into Entra")
        .waitFor();
      // The values that do not depend on a client are there before one exists.
      const values = page.getByRole("region", { name: "Values to paste into Entra" });
      expect(await values.getByRole("textbox", { name: "Tenant URL" }).inputValue()).toBe(rig.host.tenantUrl);

      // Create a client: the secret is shown once, with everything Entra needs.
      await page.getByRole("textbox", { name: "Name" }).fill("entra-oauth");
      await page.getByRole("button", { name: "Create client" }).click();
      const created = page.getByRole("dialog", { name: "OAuth client created" });
      await created.waitFor();
      await created.getByText("you won't see it again").waitFor();
      const shown = (label: string) => created.getByRole("textbox", { name: label, exact: true }).inputValue();
      const tenantUrl = await shown("Tenant URL");
      const tokenEndpoint = await shown("Token endpoint");
      const scope = await shown("Scope");
      const clientId = await shown("Client ID");
      const secret = await shown("Client secret");
      expect(tenantUrl).toBe(rig.host.tenantUrl);
      expect(tokenEndpoint).toMatch(/^https?:\/\//);
      expect(secret.length).toBeGreaterThan(20);
      const copied = async (label: string, value: string) => {
        await created.getByRole("button", { name: `Copy ${label}` }).click();
        expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(value);
      };
      await axe(page, "the OAuth client created dialog");
      await copied("Client secret", secret);
      await shoot(page, "portal-oauth-secret-created");
      await copied("Client ID", clientId);
      await copied("Token endpoint", tokenEndpoint);
      await created.getByRole("button", { name: "Done" }).click();
      await created.waitFor({ state: "hidden" });
      await expect
        .poll(() => page.getByRole("button", { name: "Create client" }).evaluate((el) => el === document.activeElement))
        .toBe(true);
      // Once closed, the secret is nowhere on the page (nor in the API).
      expect(await page.content()).not.toContain(secret);
      expect(JSON.stringify((await api(page, "GET", "/api/admin/oauth")).json)).not.toContain(secret);

      // As Entra does, outside the browser: client credentials (HTTP Basic), then SCIM with the access token.
      const basic = (id: string, pw: string) =>
        `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(pw)}`).toString("base64")}`;
      const grant = (pw: string) =>
        fetch(tokenEndpoint, {
          method: "POST",
          headers: {
            "content-type": "application/x-www-form-urlencoded",
            accept: "application/json",
            authorization: basic(clientId, pw),
          },
          body: new URLSearchParams({ grant_type: "client_credentials", scope }).toString(),
        });
      const issued = await grant(secret);
      const issuedBody = await issued.text();
      expect(issued.status, issuedBody).toBe(200);
      const accessToken: string = JSON.parse(issuedBody).access_token;
      expect(accessToken).toBeTruthy();
      const scimWith = async (token: string) =>
        (
          await fetch(`${tenantUrl}/Users?startIndex=1&count=1`, {
            headers: { authorization: `Bearer ${token}`, accept: "application/scim+json" },
          })
        ).status;
      expect(await scimWith(accessToken)).toBe(200);

      // After a reload, the secret's last use shows.
      await page.reload();
      const client = page.getByRole("region", { name: "entra-oauth" });
      const secrets = client.getByRole("table", { name: "Secrets of entra-oauth" });
      await secrets.waitFor();
      const firstId: string = (await api(page, "GET", "/api/admin/oauth")).json.clients[0].secrets[0].id;
      await expect
        .poll(() => secrets.getByTestId(`secret-row-${firstId}`).getByTestId("secret-last-used").textContent())
        .not.toBe("Never");

      // Rotation: a second secret (two active at once), then the first revoked after a confirmation.
      await client.getByRole("button", { name: "Add secret to entra-oauth" }).click();
      const added = page.getByRole("dialog", { name: "Client secret added" });
      await added.waitFor();
      await added.getByText("you won't see it again").waitFor();
      const secret2 = await added.getByRole("textbox", { name: "Client secret", exact: true }).inputValue();
      expect(secret2).not.toBe(secret);
      await added.getByRole("button", { name: "Done" }).click();
      await added.waitFor({ state: "hidden" });
      await expect.poll(() => secrets.getByRole("row").filter({ hasText: "Active" }).count()).toBe(2);
      await axe(page, "Authentication, OAuth client credentials");

      await secrets.getByRole("button", { name: `Revoke secret ${firstId}` }).click();
      const confirm = page.getByRole("dialog", { name: `Revoke secret ${firstId}?` });
      await confirm.waitFor();
      await confirm.getByText("stop working within 5 seconds").waitFor();
      await axe(page, "the Revoke secret dialog");
      await confirm.getByRole("button", { name: "Revoke secret" }).click();
      await confirm.waitFor({ state: "hidden" });
      await secrets.getByTestId(`secret-row-${firstId}`).getByText("Revoked").waitFor();
      expect(
        await secrets.getByRole("button", { name: `Revoke secret ${firstId}` }).getAttribute("aria-disabled"),
      ).toBe("true");
      // The revoked secret gets no token, and the token issued from it stops working within 5 s; the new secret works.
      await within(
        5_000,
        async () => (await scimWith(accessToken)) === 401,
        "SCIM refuses the access token of the revoked secret",
      );
      expect((await grant(secret)).status).toBe(401);
      const rotated = await grant(secret2);
      expect(rotated.status).toBe(200);
      expect(await scimWith(((await rotated.json()) as { access_token: string }).access_token)).toBe(200);
      await client.scrollIntoViewIfNeeded();
      await shoot(page, "portal-authentication", { fullPage: true });

      // Workload identity federation: a federated credential with Entra's issuer and the default audiences.
      await methods.getByRole("tab", { name: /Workload identity federation/ }).click();
      const federated = page.getByRole("region", { name: "entra-oauth" });
      expect(await federated.getByRole("textbox", { name: "Client identifier" }).inputValue()).toBe(clientId);
      expect(await federated.getByRole("textbox", { name: "Issuer" }).inputValue()).toBe(
        `https://login.microsoftonline.com/${DEV_TENANT_ID}/v2.0`,
      );
      expect(await federated.getByRole("textbox", { name: "Audiences" }).inputValue()).toBe(
        `api://${clientId}\n${clientId}`,
      );
      const workload = "5e1f0000-0000-4000-8000-0000000000a1";
      await federated.getByRole("textbox", { name: "Subject identifier" }).fill(workload);
      await federated.getByRole("button", { name: "Add federated credential" }).click();
      const creds = federated.getByRole("list", { name: "Federated credentials of entra-oauth" });
      await creds.getByRole("listitem").filter({ hasText: workload }).waitFor();
      await axe(page, "Authentication, workload identity federation");
      expect(await creds.getByRole("listitem").filter({ hasText: workload }).textContent()).toContain(
        `api://${clientId}`,
      );
      // The v1 issuer form is accepted too; that one is then removed after a confirmation.
      const other = "5e1f0000-0000-4000-8000-0000000000a2";
      await federated.getByRole("textbox", { name: "Issuer" }).fill(`https://sts.windows.net/${DEV_TENANT_ID}/`);
      await federated.getByRole("textbox", { name: "Subject identifier" }).fill(other);
      await federated.getByRole("button", { name: "Add federated credential" }).click();
      await creds.getByRole("listitem").filter({ hasText: other }).waitFor();
      await creds.getByRole("button", { name: `Remove federated credential ${other}` }).click();
      const remove = page.getByRole("dialog", { name: "Remove federated credential?" });
      await remove.getByRole("button", { name: "Remove" }).click();
      await remove.waitFor({ state: "hidden" });
      await expect.poll(() => creds.getByRole("listitem").filter({ hasText: other }).count()).toBe(0);
      const listed = (await api(page, "GET", "/api/admin/oauth")).json.clients[0];
      expect(listed.federatedCredentials).toMatchObject([
        { subject: workload, audiences: [`api://${clientId}`, clientId] },
      ]);
      await shoot(page, "portal-oauth-federation", { fullPage: true });

      // The legacy method points to Tokens.
      await methods.getByRole("tab", { name: /Secret Token \(legacy\)/ }).click();
      await page.getByRole("tabpanel").getByRole("link", { name: "Tokens" }).waitFor();
      await axe(page, "Authentication, secret token");
    },
  );

  it("authentication on a phone (390 px): no horizontal page overflow; revoking a client asks first", T, async () => {
    const { page } = admin;
    await page.goto("/portal/authentication");
    await page.getByRole("region", { name: "entra-oauth" }).waitFor();
    const methods = page.getByRole("tablist", { name: "Authentication method" });
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      for (const tab of [/OAuth 2.0 client credentials/, /Workload identity federation/, /Secret Token/]) {
        await methods.getByRole("tab", { name: tab }).click();
        await expect
          .poll(() => page.evaluate(() => document.documentElement.scrollWidth), { message: String(tab) })
          .toBeLessThanOrEqual(390);
      }
    } finally {
      await page.setViewportSize({ width: 1280, height: 800 });
    }

    // A second client, revoked (after a confirmation): the first one is untouched.
    await methods.getByRole("tab", { name: /OAuth 2.0 client credentials/ }).click();
    await page.getByRole("textbox", { name: "Name" }).fill("entra-old");
    await page.getByRole("button", { name: "Create client" }).click();
    const created = page.getByRole("dialog", { name: "OAuth client created" });
    await created.getByRole("button", { name: "Done" }).click();
    await created.waitFor({ state: "hidden" });
    const old = page.getByRole("region", { name: "entra-old" });
    await old.getByRole("button", { name: "Revoke client entra-old" }).click();
    const confirm = page.getByRole("dialog", { name: "Revoke client entra-old?" });
    await confirm.getByText("within 5 seconds").waitFor();
    await axe(page, "the Revoke client dialog");
    await confirm.getByRole("button", { name: "Revoke client" }).click();
    await confirm.waitFor({ state: "hidden" });
    await old.getByText("Revoked").first().waitFor();
    const clients = (await api(page, "GET", "/api/admin/oauth")).json.clients as { name: string; status: string }[];
    expect(clients.map((c) => [c.name, c.status])).toEqual([
      ["entra-old", "revoked"],
      ["entra-oauth", "active"],
    ]);
  });

  it(
    "account types: switching one off asks first, by keyboard, with how many users it affects, then says saved; the last type on cannot be turned off",
    T,
    async () => {
      const { page } = admin;
      await main(page).getByRole("link", { name: "Account types" }).click();
      const password = page.getByRole("switch", { name: "Password" });
      const entraId = page.getByRole("switch", { name: "Entra ID" });
      await entraId.waitFor();
      expect((await api(page, "GET", "/api/admin/login-types")).json.loginTypes.sort()).toEqual(["entra", "password"]);
      // Ann (an Object ID, no password) is the only user so far.
      await page.getByText("1 user has an Object ID.").waitFor();

      // Keyboard only: Tab to the Password switch, Space, the confirmation opens on Cancel; Tab, Enter switches it off.
      let reached = false;
      for (let i = 0; i < 40 && !reached; i++) {
        await page.keyboard.press("Tab");
        reached = await password.evaluate((el) => el === document.activeElement);
      }
      expect(reached, "Tab never reached the Password switch").toBe(true);
      await page.keyboard.press("Space");
      const confirm = page.getByRole("dialog", { name: "Switch Password off?" });
      await confirm.getByText("No active user has a password, so no one's sign-in changes.").waitFor();
      await expect
        .poll(() => confirm.getByRole("button", { name: "Cancel" }).evaluate((el) => el === document.activeElement))
        .toBe(true);
      // Nothing is saved while it asks.
      expect((await api(page, "GET", "/api/admin/login-types")).json.loginTypes.sort()).toEqual(["entra", "password"]);
      await axe(page, "the Switch off dialog");
      await page.keyboard.press("Tab");
      expect(
        await confirm.getByRole("button", { name: "Switch off" }).evaluate((el) => el === document.activeElement),
      ).toBe(true);
      await page.keyboard.press("Enter");
      await confirm.waitFor({ state: "hidden" });
      await page.getByRole("status").getByText("Saved: Password is switched off.").waitFor();
      await expect.poll(() => password.evaluate((el) => el === document.activeElement)).toBe(true);
      expect(await password.isChecked()).toBe(false);

      // Entra ID is now the only one on: its switch is disabled, and says why.
      await expect.poll(() => entraId.isDisabled()).toBe(true);
      await page.getByText("This is the only type switched on, so it cannot be turned off").waitFor();
      await axe(page, "Account types");
      await shoot(page, "portal-account-types");
      expect((await api(page, "GET", "/api/admin/login-types")).json.loginTypes).toEqual(["entra"]);
      expect((await api(page, "PUT", "/api/admin/login-types", { loginTypes: [] })).status).toBe(422);
      // Switching on needs no confirmation.
      await password.click();
      await page.getByRole("status").getByText("Saved: Password is switched on.").waitFor();
      await expect.poll(() => entraId.isDisabled()).toBe(false);
      expect((await api(page, "GET", "/api/admin/login-types")).json.loginTypes.sort()).toEqual(["entra", "password"]);

      // Entra ID off would lock Ann out: the confirmation counts her, and Escape keeps it on.
      await entraId.click();
      const entraOff = page.getByRole("dialog", { name: "Switch Entra ID off?" });
      await entraOff
        .getByText("1 user signs in with Entra ID and can no longer use it. None of them has another way to sign in")
        .waitFor();
      await entraOff.getByText("yours included").waitFor();
      await page.keyboard.press("Escape");
      await entraOff.waitFor({ state: "hidden" });
      expect(await entraId.isChecked()).toBe(true);
      expect((await api(page, "GET", "/api/admin/login-types")).json.loginTypes.sort()).toEqual(["entra", "password"]);
    },
  );

  it(
    "users: a user provisioned by SCIM gets an Object ID in the portal, then signs in and sees only their profile",
    T,
    async () => {
      const created = await scim.post("/Users", {
        ...entraUser(CAROL.preferredUsername, { displayName: CAROL.name }),
        externalId: undefined,
      });
      expect(created.status).toBe(201);
      carolId = created.body.id;

      const { page } = admin;
      await main(page).getByRole("link", { name: "Users" }).click();
      await page.getByRole("searchbox", { name: "Search users" }).fill("caro");
      const users = page.getByRole("table", { name: "Users" });
      await expect.poll(() => users.getByRole("row").count()).toBe(2); // header + Carol
      await axe(page, "Users");
      await shoot(page, "portal-users");
      await users
        .getByRole("link", { name: CAROL.preferredUsername })
        .or(users.getByRole("link", { name: CAROL.name }))
        .click();
      await page.waitForURL(`**/portal/users/${carolId}`);
      await page.getByRole("textbox", { name: "Object ID", exact: true }).fill(CAROL.oid);
      await page.getByRole("button", { name: "Add Entra sign-in" }).click();
      await page.getByRole("button", { name: "Change Object ID" }).waitFor();
      expect(await page.getByTestId("object-id").textContent()).toBe(CAROL.oid);
      const detail = await api(page, "GET", `/api/admin/users/${carolId}`);
      expect(detail.json).toMatchObject({ objectId: CAROL.oid });
      await axe(page, "a user");
      await shoot(page, "portal-user");

      carolSession = await newContext(rig);
      const carol = carolSession.page;
      await portalSignIn(carol, rig, CAROL, "type");
      await carol.waitForURL("**/portal/me");
      await expect.poll(() => h1(carol).textContent()).toBe("My profile");
      await carol.getByText(CAROL.preferredUsername).first().waitFor();
      await axe(carol, "My profile");
      expect(await main(carol).getByRole("link").allTextContents()).toEqual(["My profile"]);
      // The admin pages are not there for her, and say why; nor is the API behind them.
      await carol.goto("/portal/integrations/tokens");
      await expect.poll(() => h1(carol).textContent()).toBe("You need the Admin role to see this page");
      await carol.getByRole("link", { name: "My profile" }).first().waitFor();
      await axe(carol, "an admin page opened by a non-admin");
      await carol.goto("/portal/me");
      await expect.poll(() => h1(carol).textContent()).toBe("My profile");
      expect((await api(carol, "GET", "/api/admin/users")).status).toBe(403);
      expect((await api(carol, "GET", "/api/me")).json).toMatchObject({
        isAdmin: false,
        user: { id: carolId, objectId: CAROL.oid },
      });
      await shoot(carol, "portal-profile");
    },
  );

  it("teams and roles: a SCIM group mapped to Manager, with the preview of who changes, then saved", T, async () => {
    const group = await scim.post("/Groups", {
      schemas: [GROUP],
      displayName: "Portal Managers",
      externalId: "grp-managers",
      members: [{ value: carolId }],
    });
    expect(group.status).toBe(201);

    const { page } = admin;
    await main(page).getByRole("link", { name: "Teams and roles" }).click();
    await page.getByRole("combobox", { name: "Group to map" }).selectOption("Portal Managers");
    await page.getByRole("combobox", { name: "Role" }).selectOption("Manager");
    await page.getByRole("button", { name: "Preview changes" }).click();
    const preview = page.getByRole("region", { name: "Preview of role changes" });
    await preview.getByText("Changes the role of 1 user").waitFor();
    const changes = preview.getByRole("list", { name: "Role changes" }).getByRole("listitem");
    expect(await changes.count()).toBe(1);
    expect(await changes.first().textContent()).toContain(CAROL.preferredUsername);
    await axe(page, "Teams and roles, with a preview");
    await shoot(page, "portal-role-preview", { fullPage: true });
    // Nothing is written by the preview.
    expect((await api(page, "GET", `/api/admin/users/${carolId}`)).json).toMatchObject({ role: "User" });

    await preview
      .getByRole("button", { name: "Save mapping" })
      .or(page.getByRole("button", { name: "Save mapping" }))
      .first()
      .click();
    await page
      .getByRole("table", { name: "Role mappings" })
      .getByRole("button", { name: "Unmap Portal Managers from Manager" })
      .waitFor();
    expect((await api(page, "GET", `/api/admin/users/${carolId}`)).json).toMatchObject({ role: "Manager" });

    await page.goto(`/portal/users/${carolId}`);
    await page.getByText("Manager").first().waitFor();
  });

  it("provisioning log: newest first, filters, an event's details, and the hourly chart", T, async () => {
    // One failed SCIM write too, so the chart has a failure bar.
    expect((await scim.post("/Users", { schemas: [], userName: "" })).status).toBe(400);
    const { page } = admin;
    await main(page).getByRole("link", { name: "Provisioning log" }).click();
    const table = page.getByRole("table", { name: "Provisioning events" });
    const rows = table.getByRole("row");
    await expect.poll(() => rows.count()).toBeGreaterThan(3);
    const events = (await api(page, "GET", "/api/admin/audit?pageSize=50")).json.events as {
      time: string;
      operation: string;
      resourceId: string;
    }[];
    const times = events.map((e) => e.time);
    expect([...times].sort().reverse()).toEqual(times);
    // The table shows them in that order: the first data row is the newest event.
    expect(await rows.nth(1).textContent()).toContain(events[0]!.operation);

    const chart = page.getByTestId("hourly-chart");
    expect(await chart.getAttribute("role")).toBe("img");
    await page.getByRole("img", { name: "Requests and failures per hour, last 7 days (UTC)" }).waitFor();
    await axe(page, "Provisioning log");
    const heights = await chart
      .locator("rect")
      .evaluateAll((rects) => rects.map((r) => Number(r.getAttribute("height"))));
    expect(heights.some((h) => h > 0)).toBe(true);
    await shoot(page, "portal-log");

    await page.getByRole("combobox", { name: "Operation" }).selectOption("create");
    await page.getByRole("button", { name: "Apply filters" }).click();
    await expect
      .poll(
        async () => (await rows.allTextContents()).slice(1).every((t) => /create/i.test(t)) && (await rows.count()) > 1,
      )
      .toBe(true);
    await page.getByRole("textbox", { name: "Resource ID" }).fill(carolId);
    await page.getByRole("button", { name: "Apply filters" }).click();
    await expect.poll(() => rows.count()).toBe(2);
    await rows
      .nth(1)
      .getByRole("button", { name: /^Details of/ })
      .click();
    const details = page.getByRole("dialog", { name: "Event details" });
    await details.getByText(carolId).first().waitFor();
    await axe(page, "the Event details dialog");
    await shoot(page, "portal-log-details");
    await page.keyboard.press("Escape");
    await details.waitFor({ state: "hidden" });
    await page.getByRole("button", { name: "Clear filters" }).click();
    await expect.poll(() => rows.count()).toBeGreaterThan(3);
  });

  it("connection health: the last request from Entra and the active tokens", T, async () => {
    const { page } = admin;
    await main(page).getByRole("link", { name: "Connection health" }).click();
    await page.getByRole("group", { name: "Last request from Entra" }).waitFor();
    expect(await page.getByRole("group", { name: "Active tokens" }).textContent()).toMatch(/2/);
    await axe(page, "Connection health");
    // The one role mapping so far was of a small group, recomputed inside the request: no background job.
    await page
      .getByRole("region", { name: "Background jobs" })
      .getByTestId("empty-state")
      .getByText("No background jobs")
      .waitFor();
    await shoot(page, "portal-health");
  });

  it(
    "background jobs: a group over the inline limit mapped to a role runs as a job, listed on Connection health until done",
    T,
    async () => {
      const members = rig.host.services.config.jobs.inlineMembers + 1;
      const container = openCosmos(rig.host.services.config.cosmos).resources;
      await groupWithMembers(rig.host, scim, container, "Portal Large Team", members);
      const { page } = admin;
      expect(
        (await api(page, "POST", "/api/admin/roles/map", { group: "Portal Large Team", role: "Manager" })).json.changed,
      ).toBe(0);
      // The previous test left the page on Connection health: load it again.
      await page.goto("/portal/health");
      const row = page
        .getByRole("table", { name: "Background jobs" })
        .getByRole("row")
        .filter({ hasText: "Portal Large Team" });
      // The page reads the list again every few seconds while the job is queued or running.
      await row.getByText("Done").waitFor({ timeout: 30_000 });
      expect(await row.textContent()).toContain(`Recompute roles — group mapped to a role`);
      expect(await row.textContent()).toContain(`${members} of ${members} members`);
      expect(await row.textContent()).toContain(`portal:${ANN.preferredUsername}`);
      await axe(page, "Connection health, with a background job");
      await row.scrollIntoViewIfNeeded();
      await shoot(page, "portal-jobs");
    },
  );

  /** Every page of an Admin, once each test before has given it something to show. */
  const pages = () => [
    "/portal/authentication",
    "/portal/integrations/tokens",
    "/portal/integrations/account-types",
    "/portal/users",
    `/portal/users/${carolId}`,
    "/portal/teams",
    "/portal/admins",
    "/portal/log",
    "/portal/health",
    "/portal/events",
    "/portal/safety-net",
    "/portal/me",
  ];
  /** Loads a page and waits until it has stopped loading. */
  async function open(page: Page, path: string) {
    await page.goto(path);
    await h1(page).waitFor();
    await expect
      .poll(
        () =>
          page
            .getByRole("status")
            .filter({ hasText: /^Loading|…$/ })
            .count(),
        { message: path },
      )
      .toBe(0);
  }
  /** The document's width and the screen's, and (to say what to fix) the outermost elements reaching past the screen. */
  const overflow = (page: Page) =>
    page.evaluate(() => {
      const past = (el: Element | null) => !!el && el.getBoundingClientRect().right > window.innerWidth + 1;
      const wide = [...document.querySelectorAll("body *")]
        .filter((el) => past(el) && !past(el.parentElement))
        .slice(0, 5)
        .map(
          (el) =>
            `${el.tagName.toLowerCase()}[${el.getAttribute("aria-label") ?? el.className}] ${Math.round(el.getBoundingClientRect().right)}px`,
        );
      return { scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth, wide };
    });

  /** A screenshot's name for a portal path: /portal/users/<id> → "users-user". */
  const shotName = (path: string) =>
    path
      .split("/")
      .filter(Boolean)
      .slice(1)
      .join("-")
      .replace(/[0-9a-f-]{36}$/, "user") || "home";

  it("on a wide screen (1,440 px): no page is wider than the screen (long names wrap or clip)", T, async () => {
    const { page } = admin;
    await page.setViewportSize({ width: 1440, height: 900 });
    try {
      for (const path of pages()) {
        await open(page, path);
        const { scrollWidth, innerWidth, wide } = await overflow(page);
        expect
          .soft(scrollWidth, `${path} is ${scrollWidth} px wide at ${innerWidth} px: ${wide.join(", ")}`)
          .toBeLessThanOrEqual(innerWidth);
        await shoot(page, `wide-${shotName(path)}`);
      }
    } finally {
      await page.setViewportSize({ width: 1280, height: 800 });
    }
  });

  it(
    "on a phone (390 px): the navigation folds behind a Menu button, no page is wider than the screen, the chart stays readable, and axe finds nothing serious",
    T,
    async () => {
      const { page } = admin;
      const notFound: string[] = [];
      page.on("response", (r) => r.status() === 404 && notFound.push(r.url()));
      await page.setViewportSize({ width: 390, height: 844 });
      try {
        for (const path of pages()) {
          await open(page, path);
          const { scrollWidth, innerWidth, wide } = await overflow(page);
          // Soft: every page is measured, and the failure lists each one too wide.
          expect
            .soft(scrollWidth, `${path} is ${scrollWidth} px wide at ${innerWidth} px: ${wide.join(", ")}`)
            .toBeLessThanOrEqual(innerWidth);
          await axe(page, `${path} at 390 px`);
          await shoot(page, `phone-${shotName(path)}`);
        }
        // The chart keeps a readable size (it scrolls inside its own box), not shrunk to the screen.
        await open(page, "/portal/log");
        const chart = await page.getByTestId("hourly-chart").boundingBox();
        expect(chart!.width).toBeGreaterThanOrEqual(600);
        expect(chart!.height).toBeGreaterThanOrEqual(140);

        // The navigation: hidden until the Menu button opens it; picking a page folds it again.
        const menu = page.getByRole("button", { name: "Menu" });
        expect(await main(page).isVisible()).toBe(false);
        expect(await menu.getAttribute("aria-expanded")).toBe("false");
        await menu.click();
        expect(await menu.getAttribute("aria-expanded")).toBe("true");
        await main(page).getByRole("link", { name: "Users" }).click();
        await page.waitForURL("**/portal/users");
        await expect.poll(() => main(page).isVisible()).toBe(false);
      } finally {
        await page.setViewportSize({ width: 1280, height: 800 });
      }
      // At a desktop width the navigation is always there, and there is no Menu button.
      await main(page).waitFor();
      expect(await page.getByRole("button", { name: "Menu" }).isVisible()).toBe(false);
      // No 404 on any page: the favicon is served.
      expect(notFound).toEqual([]);
      const icon = await page.evaluate(() => document.querySelector<HTMLLinkElement>('link[rel="icon"]')?.href);
      expect(icon).toBe(`${rig.host.url}/portal/favicon.svg`);
      const served = await fetch(icon!);
      expect({ status: served.status, type: served.headers.get("content-type") }).toEqual({
        status: 200,
        type: "image/svg+xml",
      });
    },
  );

  it("dark mode follows the system setting, live, on every page, and axe finds nothing serious", T, async () => {
    const { page } = admin;
    const background = () =>
      page.evaluate(() => getComputedStyle(document.querySelector("#root > .fui-FluentProvider")!).backgroundColor);
    await open(page, "/portal/integrations/tokens");
    await page.emulateMedia({ colorScheme: "light" });
    const light = await background();
    await page.emulateMedia({ colorScheme: "dark" });
    // Without a reload: the theme follows the change.
    await expect.poll(background).not.toBe(light);
    try {
      for (const path of pages()) {
        await open(page, path);
        expect(await page.locator("#root > .fui-FluentProvider").getAttribute("data-theme"), path).toBe("dark");
        await axe(page, `${path} in dark mode`);
        await shoot(page, `dark-${shotName(path)}`);
      }
      // A dialog, in dark mode.
      await open(page, "/portal/integrations/tokens");
      await page
        .getByRole("table", { name: "Tokens" })
        .getByRole("button", { name: /^Revoke / })
        .filter({ hasNot: page.locator("[aria-disabled=true]") })
        .first()
        .click();
      await page.getByRole("dialog").waitFor();
      await axe(page, "the Revoke token dialog in dark mode");
      await page.keyboard.press("Escape");
    } finally {
      await page.emulateMedia({ colorScheme: "light" });
    }
    await expect.poll(background).toBe(light);
  });

  it(
    "the sign-in, invite, refusal and development pages: the portal's look, light and dark, at 390 px, and axe finds nothing serious",
    T,
    async () => {
      const visitor = await newContext(rig);
      const { page } = visitor;
      try {
        await page.setViewportSize({ width: 390, height: 844 });
        for (const scheme of ["light", "dark"] as const) {
          await page.emulateMedia({ colorScheme: scheme });
          const check = async (what: string) => {
            const { scrollWidth, innerWidth } = await overflow(page);
            expect(scrollWidth, what).toBeLessThanOrEqual(innerWidth);
            await axe(page, `${what} (${scheme}, 390 px)`);
            const colors = await page.evaluate(() => [
              getComputedStyle(document.body).backgroundColor,
              getComputedStyle(document.body).fontFamily,
            ]);
            expect(colors[0], what).toBe(scheme === "dark" ? "rgb(20, 20, 20)" : "rgb(245, 245, 245)");
            expect(colors[1], what).toMatch(/^"Segoe UI"/);
          };
          await page.goto("/auth/invite");
          await page.getByRole("heading", { name: "Accept your invite" }).waitFor();
          await check("the invite page");
          await shoot(page, `auth-invite-${scheme}`);
          await page.goto("/auth/login?invite=scimfinv_x");
          await page.getByRole("heading", { name: "This invite link cannot be used" }).waitFor();
          await check("a refusal page");
          await shoot(page, `auth-refusal-${scheme}`);
          await page.goto("/portal/");
          await page.getByRole("link", { name: "Sign in with Microsoft" }).waitFor();
          await check("the sign-in card");
          await page.getByRole("link", { name: "Sign in with Microsoft" }).click();
          await page.getByRole("heading", { name: "Development sign-in" }).waitFor();
          await check("the development sign-in page");
          await shoot(page, `auth-dev-sign-in-${scheme}`);
        }
      } finally {
        await visitor.context.close();
      }
    },
  );

  it("refusals: a disconnected user's live session ends, and signing in again shows why it is refused", T, async () => {
    const carol = carolSession!.page;
    await carol.goto("/portal/me");
    await expect.poll(() => h1(carol).textContent()).toBe("My profile");

    // The tenant stops allowing Entra sign-in while her session is open: her next request ends it, and the
    // portal says why rather than showing the sign-in card.
    const ctx = { tenantId, actor: ADMIN_CLI, now: new Date(), services: rig.host.services, baseUrl: "" };
    await setLoginTypes(ctx, ["password"]);
    const seen: string[] = [];
    carol.on("response", (r) => r.url().includes("/api/") && seen.push(`${new URL(r.url()).pathname} ${r.status()}`));
    try {
      await carol.reload();
      await expect
        .poll(() => h1(carol).textContent())
        .toBe("Your session was ended")
        .catch((e: Error) => {
          throw new Error(`${e.message}; API answers: ${seen.join(", ")}`);
        });
      await carol.getByText("Your account can no longer sign in with Microsoft Entra ID").waitFor();
      await carol.getByRole("link", { name: "Sign in again" }).waitFor();
      await axe(carol, "the session-ended page");
      await shoot(carol, "portal-session-ended");
      expect((await api(carol, "GET", "/api/me")).status).toBe(401);
    } finally {
      await setLoginTypes(ctx, ["password", "entra"]);
    }

    // Signed in again (a new browser), then disconnected through SCIM while her session is open: the session
    // ends at once, and her next page load says why (not a bare sign-in card).
    const back = await newContext(rig);
    try {
      const page = back.page;
      await portalSignIn(page, rig, CAROL, "type");
      await page.waitForURL("**/portal/me");
      await expect.poll(() => h1(page).textContent()).toBe("My profile");
      expect(
        (await scim.patch(`/Users/${carolId}`, patch({ op: "replace", path: "active", value: false }))).status,
      ).toBe(200);
      await page.reload();
      await expect.poll(() => h1(page).textContent()).toBe("Your session was ended");
      await page.getByText("Your account was disconnected in Microsoft Entra ID").waitFor();
      expect((await api(page, "GET", "/api/me")).status).toBe(401);
      // From then on she is simply signed out; signing in again is refused with the reason (below).
      await page.goto("/portal/");
      await page.getByRole("link", { name: "Sign in with Microsoft" }).waitFor();
      await axe(page, "the sign-in card");
    } finally {
      await back.context.close();
    }

    const again = await newContext(rig);
    try {
      const responses: number[] = [];
      again.page.on("response", (r) => new URL(r.url()).pathname === "/auth/callback" && responses.push(r.status()));
      await portalSignIn(again.page, rig, CAROL, "type");
      await expect.poll(() => h1(again.page).textContent()).toBe("Your account is disconnected");
      await again.page.getByText("Ask your administrator to reconnect it").waitFor();
      await axe(again.page, "the refusal page");
      expect(responses).toEqual([403]);
      expect((await api(again.page, "GET", "/api/me")).status).toBe(401);
      await shoot(again.page, "portal-refused-disconnected");
    } finally {
      await again.context.close();
    }
  });
});
