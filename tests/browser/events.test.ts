import { createHmac } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BrowserContext, Page } from "playwright-core";
import { client, entraUser, type Client } from "../helpers/host.js";
import { ANN, invite } from "../helpers/portal.js";
import { expectNoSeriousViolations as axe } from "./axe.js";
import { api, devSignIn, newContext, shoot, skipReason, startRig, tabTo, within, type Rig } from "./browser.js";

/**
 * The Events page and the deprovisioning safety net in a real Chromium against a local host: a
 * webhook subscription to a receiver this file runs, its secret shown once (and checked against
 * the signature the receiver gets), a test event seen delivered, pause and resume, rotation,
 * delete; the safety net tripped through SCIM, shown on its page and on Connection health, and
 * released. The tests run in order on one host.
 */

const skip = skipReason();
const T = { timeout: 120_000 };

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

/** A subscriber on 127.0.0.1 (the local host accepts http there): records every POST, answers `status`. */
class Receiver {
  readonly received: Received[] = [];
  status = 200;
  private server?: Server;
  url = "";

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        this.received.push({ headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
        res.writeHead(this.status, { "content-type": "text/plain" }).end(this.status < 300 ? "ok" : "no");
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks/scim`;
  }

  /** The webhook bodies received so far, parsed. */
  events(): { type: string; data: Record<string, unknown> }[] {
    return this.received.map((r) => JSON.parse(r.body) as { type: string; data: Record<string, unknown> });
  }

  close(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

/**
 * Standard Webhooks verification, written out here (not the product's own verifier), so the
 * secret the portal showed is proven to be the one the service signs with.
 */
function signedWith(secret: string, r: Received): boolean {
  const id = String(r.headers["webhook-id"]);
  const timestamp = String(r.headers["webhook-timestamp"]);
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  const expected = createHmac("sha256", key).update(`${id}.${timestamp}.${r.body}`).digest("base64");
  return String(r.headers["webhook-signature"])
    .split(" ")
    .some((part) => part === `v1,${expected}`);
}

let rig: Rig;
let scim: Client;
let admin: { context: BrowserContext; page: Page };
const receiver = new Receiver();
let secret = "";

const NAME = "Billing app";
const h1 = (page: Page) => page.getByRole("heading", { level: 1 });
const subscriptions = (page: Page) => page.getByRole("list", { name: "Subscriptions" });
const subscriptionCard = (page: Page) => subscriptions(page).getByRole("listitem").filter({ hasText: NAME });
const deliveryRows = (page: Page) =>
  page
    .getByRole("table", { name: "Deliveries" })
    .getByRole("row")
    .filter({ has: page.getByRole("cell") });

/** The document's width and the screen's, and the outermost elements reaching past the screen (to say what to fix). */
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

/** Opens a portal page and waits until nothing on it is loading. */
async function open(page: Page, path: string): Promise<void> {
  await page.goto(path);
  await h1(page).waitFor();
  await expect
    .poll(() =>
      page
        .getByRole("status")
        .filter({ hasText: /^Loading|…$/ })
        .count(),
    )
    .toBe(0);
}

describe.skipIf(skip !== undefined)("events and the safety net in Chromium", () => {
  beforeAll(async () => {
    await receiver.start();
    rig = await startRig();
    scim = client(rig.host, rig.host.defaultTenant!.token);
  }, 180_000);
  afterAll(async () => {
    await admin?.context.close();
    await rig?.close();
    await receiver.close();
  });

  it(
    "creates a webhook subscription to a local receiver, shows its secret once, and a test event shows as delivered",
    T,
    async () => {
      // The first Admin, from an invite (expect.poll in the sign-in must run inside a test).
      const { url } = await invite(rig.host, rig.host.defaultTenant!.id);
      admin = await newContext(rig);
      const { page } = admin;
      await admin.context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: rig.host.url });
      await page.goto(url);
      await page.getByRole("button", { name: "Sign in with Microsoft" }).click();
      await devSignIn(page, rig, ANN);
      await page.getByRole("navigation", { name: "Main" }).waitFor();

      await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Events" }).click();
      await page.waitForURL("**/portal/events");
      await expect.poll(() => h1(page).textContent()).toBe("Events");
      await page.getByTestId("empty-state").getByText("No subscription yet").waitFor();
      await axe(page, "Events, no subscription");

      // A push format needs a URL: the form says so before asking the server.
      await page.getByRole("button", { name: "Create subscription" }).click();
      await page.getByText(/^Enter the URL where your application receives events/).waitFor();

      expect(await page.getByRole("combobox", { name: "Format" }).inputValue()).toBe("webhook");
      // The server's refusal (the cloud metadata address) shows next to the URL field; nothing is created.
      await page.getByRole("textbox", { name: "URL" }).fill("https://169.254.169.254/latest/meta-data");
      await page.getByRole("button", { name: "Create subscription" }).click();
      await expect
        .poll(async () => (await page.getByRole("textbox", { name: "URL" }).getAttribute("aria-invalid")) ?? "")
        .toBe("true");
      expect((await api(page, "GET", "/api/admin/events/subscriptions")).json.subscriptions).toEqual([]);

      await page.getByRole("textbox", { name: "URL" }).fill(receiver.url);
      await page.getByRole("textbox", { name: "Description" }).fill(NAME);
      await page.getByRole("button", { name: "Create subscription" }).click();

      const dialog = page.getByRole("dialog", { name: "Subscription created" });
      await dialog.waitFor();
      await dialog.getByText("Copy the signing secret now").waitFor();
      secret = await dialog.getByRole("textbox", { name: "Signing secret" }).inputValue();
      expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
      await dialog.getByRole("button", { name: "Copy Signing secret" }).click();
      expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
      await axe(page, "the Subscription created dialog");
      await shoot(page, "portal-events-secret");
      await dialog.getByRole("button", { name: "Done" }).click();
      await dialog.waitFor({ state: "hidden" });
      // Focus goes back to where the flow started.
      await expect
        .poll(() =>
          page.getByRole("button", { name: "Create subscription" }).evaluate((el) => el === document.activeElement),
        )
        .toBe(true);

      // Shown once: nowhere on the page, nor in the API, once the dialog is closed.
      const row = subscriptionCard(page);
      await row.waitFor();
      expect(await row.textContent()).toContain("Active");
      expect(await row.textContent()).toContain(receiver.url);
      expect(await page.content()).not.toContain(secret.slice(6));
      const listed = await api(page, "GET", "/api/admin/events/subscriptions");
      expect(listed.status).toBe(200);
      expect(JSON.stringify(listed.json)).not.toContain(secret.slice(6));

      // A test event: delivered to the receiver, signed with the secret shown, and listed as delivered.
      const before = receiver.received.length;
      await page.getByRole("button", { name: `Send test event to ${NAME}` }).click();
      await page.getByRole("status").getByText(`Test event sent to ${NAME}`).waitFor();
      await within(15_000, async () => receiver.received.length > before, "the receiver gets the test event");
      const got = receiver.received.at(-1)!;
      expect(signedWith(secret, got), JSON.stringify(got.headers)).toBe(true);
      const test = deliveryRows(page).filter({ hasText: "Test event" }).first();
      await expect.poll(async () => (await test.textContent()) ?? "", { timeout: 15_000 }).toContain("Delivered");
      expect(await test.textContent()).toMatch(/\d+(\.\d)? (ms|s)/);
      await expect.poll(async () => (await row.textContent()) ?? "", { timeout: 10_000 }).toContain("1 delivered");
      await axe(page, "Events with a subscription and a delivery");
      await shoot(page, "portal-events", { fullPage: true });
    },
  );

  it("pause holds the events of a SCIM change; resume delivers them", T, async () => {
    const { page } = admin;
    const row = subscriptionCard(page);
    await page.getByRole("button", { name: `Pause ${NAME}` }).click();
    await page.getByRole("status").getByText(`${NAME} is paused`).waitFor();
    await row.getByText("Paused").waitFor();
    expect((await api(page, "GET", "/api/admin/events/subscriptions")).json.subscriptions[0].paused).toBe(true);

    const before = receiver.received.length;
    const created = await scim.post("/Users", entraUser("paula@contoso.dev"));
    expect(created.status).toBe(201);
    const paulaId = (created.body as { id: string }).id;
    // Nothing is pushed while paused.
    await new Promise((r) => setTimeout(r, 3000));
    expect(receiver.received.length).toBe(before);

    await page.getByRole("button", { name: `Resume ${NAME}` }).click();
    await page.getByRole("status").getByText(`${NAME} is active again`).waitFor();
    await row.getByText("Active").waitFor();
    await within(
      70_000,
      async () => receiver.events().some((e) => e.type === "user.created" && JSON.stringify(e).includes(paulaId)),
      "the held user.created event is delivered after resume",
    );
    // The deliveries list shows it, filtered by state (kept in the address).
    await page.getByRole("combobox", { name: "State" }).selectOption("delivered");
    await expect.poll(() => new URL(page.url()).searchParams.get("state")).toBe("delivered");
    await expect
      .poll(async () => (await deliveryRows(page).allTextContents()).join("\n"), { timeout: 15_000 })
      .toContain(paulaId);
    await page.reload();
    expect(await page.getByRole("combobox", { name: "State" }).inputValue()).toBe("delivered");
    await page.getByRole("combobox", { name: "State" }).selectOption("");
  });

  it("rotating the secret asks first, shows the new one once, and a test event is signed with it", T, async () => {
    const { page } = admin;
    await page.getByRole("button", { name: `Rotate secret of ${NAME}` }).click();
    const confirm = page.getByRole("dialog", { name: `Rotate the signing secret of ${NAME}?` });
    await confirm.getByText(/For 24 hours events are signed with both/).waitFor();
    await axe(page, "the Rotate secret dialog");
    await confirm.getByRole("button", { name: "Rotate secret" }).click();
    const shown = page.getByRole("dialog", { name: "Signing secret rotated" });
    await shown.waitFor();
    const rotated = await shown.getByRole("textbox", { name: "Signing secret" }).inputValue();
    expect(rotated).toMatch(/^whsec_/);
    expect(rotated).not.toBe(secret);
    await shown.getByRole("button", { name: "Done" }).click();
    await shown.waitFor({ state: "hidden" });
    expect(await page.content()).not.toContain(rotated.slice(6));

    const before = receiver.received.length;
    await page.getByRole("button", { name: `Send test event to ${NAME}` }).click();
    await within(15_000, async () => receiver.received.length > before, "the receiver gets the second test event");
    const got = receiver.received.at(-1)!;
    expect(signedWith(rotated, got)).toBe(true);
    // The previous secret still signs for 24 hours (both signatures in the header).
    expect(signedWith(secret, got)).toBe(true);
    secret = rotated;
  });

  it("a failing subscriber: the delivery shows the attempts and the receiver's answer", T, async () => {
    const { page } = admin;
    receiver.status = 500;
    try {
      const before = receiver.received.length;
      await page.getByRole("button", { name: `Send test event to ${NAME}` }).click();
      await within(15_000, async () => receiver.received.length > before, "the receiver is tried");
      await page.getByRole("combobox", { name: "State" }).selectOption("pending");
      const failing = deliveryRows(page).filter({ hasText: "Test event" }).first();
      await expect.poll(async () => (await failing.textContent()) ?? "", { timeout: 15_000 }).toContain("500");
      expect(await failing.textContent()).toContain("Pending");
      await axe(page, "Events with a failing delivery");
      await shoot(page, "portal-events-failing", { fullPage: true });
    } finally {
      receiver.status = 200;
      await page.getByRole("combobox", { name: "State" }).selectOption("");
    }
  });

  it(
    "the safety net: settings saved in the form, tripped by SCIM deletes, the hold shown with its held deletes and on Connection health",
    T,
    async () => {
      const { page } = admin;
      const ids: string[] = [];
      for (let i = 0; i < 10; i++) {
        const created = await scim.post("/Users", entraUser(`net-${i}@contoso.dev`));
        expect(created.status).toBe(201);
        ids.push((created.body as { id: string }).id);
      }
      await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Safety net" }).click();
      await page.waitForURL("**/portal/safety-net");
      await expect.poll(() => h1(page).textContent()).toBe("Deprovisioning safety net");
      await page.getByTestId("empty-state").getByText("No deletes are held").waitFor();
      const share = page.getByRole("spinbutton", { name: /Share of active users/ });
      const minUsers = page.getByRole("spinbutton", { name: /Minimum number of users/ });
      expect(await share.inputValue()).toBe("20");
      expect(await minUsers.inputValue()).toBe("25");

      // A value out of bounds is named next to its field, and nothing is saved.
      await share.fill("0");
      await page.getByRole("button", { name: "Save settings" }).click();
      await page.getByText("Enter a whole number from 1 to 100.").waitFor();
      expect((await api(page, "GET", "/api/admin/safety-net")).json.settings.sharePercent).toBe(20);

      await share.fill("20");
      await minUsers.fill("2");
      await page.getByRole("button", { name: "Save settings" }).click();
      await page
        .getByRole("status")
        .getByText(/^Saved: deletes are held once more than 20%/)
        .waitFor();
      expect((await api(page, "GET", "/api/admin/safety-net")).json.settings).toEqual({
        enabled: true,
        sharePercent: 20,
        minUsers: 2,
      });

      // Entra deletes users one by one until the net holds deletes: 429 with Retry-After and a detail.
      const held: string[] = [];
      for (const [i, id] of ids.entries()) {
        const res = await scim.delete(`/Users/${id}`);
        if (res.status === 429) {
          expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
          expect(res.body.detail).toMatch(/safety net/);
          held.push(`net-${i}@contoso.dev`);
          if (held.length === 2) break;
        } else expect(res.status).toBe(204);
      }
      expect(held).toHaveLength(2);

      await page.reload();
      const hold = page.getByTestId("safety-net-hold");
      await hold.waitFor();
      expect(await hold.textContent()).toMatch(/Deletes held since .*disconnected or deleted/);
      const rows = page
        .getByRole("table", { name: "Held deletes" })
        .getByRole("row")
        .filter({ has: page.getByRole("cell") });
      await expect.poll(async () => (await rows.allTextContents()).join("\n")).toContain(held[0]);
      expect((await rows.allTextContents()).join("\n")).toContain(held[1]);
      await axe(page, "Safety net with a hold");
      await shoot(page, "portal-safety-net-hold", { fullPage: true });

      // Connection health says so too, and leads here.
      await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Connection health" }).click();
      const banner = page.getByTestId("safety-net-banner");
      await banner.getByText(/Deletes are held since .*: 2 users waiting/).waitFor();
      await axe(page, "Connection health with the safety-net banner");
      await banner.getByRole("link", { name: "Review, release or discard the held deletes" }).click();
      await page.waitForURL("**/portal/safety-net");
      await page.getByTestId("safety-net-hold").waitFor();
    },
  );

  it(
    "fits a phone (390 px) and a wide screen (1,440 px), light and dark, and axe finds nothing serious",
    T,
    async () => {
      const { page } = admin;
      try {
        for (const width of [390, 1440]) {
          await page.setViewportSize({ width, height: 900 });
          for (const scheme of ["light", "dark"] as const) {
            await page.emulateMedia({ colorScheme: scheme });
            for (const path of ["/portal/events", "/portal/safety-net", "/portal/health"]) {
              await open(page, path);
              const { scrollWidth, innerWidth, wide } = await overflow(page);
              expect
                .soft(
                  scrollWidth,
                  `${path} is ${scrollWidth} px wide at ${innerWidth} px (${scheme}): ${wide.join(", ")}`,
                )
                .toBeLessThanOrEqual(innerWidth);
              await axe(page, `${path} at ${width} px, ${scheme}`);
            }
          }
        }
        await shoot(page, "portal-health-safety-net-dark");
      } finally {
        await page.emulateMedia({ colorScheme: "light" });
        await page.setViewportSize({ width: 1280, height: 800 });
      }
    },
  );

  it(
    "discarding the hold keeps the users and refuses their deletes; a second hold released lets Entra's retried delete through",
    T,
    async () => {
      const { page } = admin;
      await open(page, "/portal/safety-net");
      const heldRows = await page
        .getByRole("table", { name: "Held deletes" })
        .getByRole("row")
        .filter({ has: page.getByRole("cell") })
        .allTextContents();
      expect(heldRows).toHaveLength(2);

      await page.getByRole("button", { name: "Discard held deletes" }).click();
      const discard = page.getByRole("dialog", { name: "Discard the held deletes?" });
      await discard.getByText(/those users stay, disconnected/).waitFor();
      await axe(page, "the Discard dialog");
      await discard.getByRole("button", { name: "Discard deletes" }).click();
      await discard.waitFor({ state: "hidden" });
      await page
        .getByRole("status")
        .getByText(/^Hold discarded: 2 held deletes dropped/)
        .waitFor();
      await page.getByTestId("empty-state").getByText("No deletes are held").waitFor();
      // The users whose deletes were held are still there.
      const left = (await api(page, "GET", "/api/admin/users?search=net-")).json.users as {
        id: string;
        userName: string;
      }[];
      for (const row of heldRows)
        expect(
          left.some((u) => row.includes(u.userName)),
          `${row} is still a user`,
        ).toBe(true);

      // Entra retries a discarded delete: still refused.
      const discarded = left.filter((u) => heldRows.some((row) => row.includes(u.userName)));
      expect((await scim.delete(`/Users/${discarded[0]!.id}`)).status).toBe(429);
      // Other deletes: judged afresh, and held again past the limit; this time the admin releases.
      let heldId: string | undefined;
      for (const u of left.filter((x) => !discarded.includes(x))) {
        const res = await scim.delete(`/Users/${u.id}`);
        if (res.status === 429) {
          heldId = u.id;
          break;
        }
        expect(res.status).toBe(204);
      }
      expect(heldId, "a delete is held again").toBeDefined();
      await page.reload();
      await page.getByTestId("safety-net-hold").waitFor();
      await page.getByRole("button", { name: "Release held deletes" }).click();
      const release = page.getByRole("dialog", { name: "Release the held deletes?" });
      await release.getByText(/for 24 hours every user delete goes through/).waitFor();
      await axe(page, "the Release dialog");
      await release.getByRole("button", { name: "Release deletes" }).click();
      await release.waitFor({ state: "hidden" });
      await page
        .getByRole("status")
        .getByText(/^Hold released: 1 held delete goes through/)
        .waitFor();
      await page
        .getByTestId("safety-net-release")
        .getByText(/Every user delete goes through until/)
        .waitFor();
      // Entra's retry of the held delete goes through.
      expect((await scim.delete(`/Users/${heldId}`)).status).toBe(204);
      // Connection health no longer shows a hold.
      await open(page, "/portal/health");
      expect(await page.getByTestId("safety-net-banner").count()).toBe(0);
    },
  );

  it(
    "by keyboard alone: create a poll subscription, the secret dialog takes focus, then delete it after a confirmation",
    T,
    async () => {
      const { page } = admin;
      await open(page, "/portal/events");
      await tabTo(page, page.getByRole("combobox", { name: "Format" }), "the Format select");
      // Webhook, Security Event Tokens, Poll: two down.
      await page.keyboard.press("ArrowDown");
      await page.keyboard.press("ArrowDown");
      expect(await page.getByRole("combobox", { name: "Format" }).inputValue()).toBe("poll");
      // A poll subscription has no URL.
      expect(await page.getByRole("textbox", { name: "URL" }).count()).toBe(0);
      await tabTo(page, page.getByRole("textbox", { name: "Description" }), "the Description field");
      await page.keyboard.type("Nightly poller");
      await page.keyboard.press("Enter");
      const dialog = page.getByRole("dialog", { name: "Subscription created" });
      await dialog.waitFor();
      await expect.poll(() => dialog.evaluate((el) => el.contains(document.activeElement))).toBe(true);
      await dialog.getByText("/events/poll").waitFor();
      await page.keyboard.press("Escape");
      await dialog.waitFor({ state: "hidden" });
      const row = subscriptions(page).getByRole("listitem").filter({ hasText: "Nightly poller" });
      await row.getByText("Polled at").waitFor();

      const del = page.getByRole("button", { name: "Delete Nightly poller" });
      await tabTo(page, del, "Delete Nightly poller");
      await page.keyboard.press("Enter");
      const confirm = page.getByRole("dialog", { name: "Delete the subscription Nightly poller?" });
      await confirm.waitFor();
      await expect
        .poll(() => confirm.getByRole("button", { name: "Cancel" }).evaluate((el) => el === document.activeElement))
        .toBe(true);
      await page.keyboard.press("Tab");
      await page.keyboard.press("Enter");
      await confirm.waitFor({ state: "hidden" });
      await page.getByRole("status").getByText("Subscription Nightly poller deleted").waitFor();
      expect(await row.count()).toBe(0);
      const left = (await api(page, "GET", "/api/admin/events/subscriptions")).json.subscriptions as {
        description?: string;
      }[];
      expect(left.map((s) => s.description)).toEqual([NAME]);
    },
  );
});
