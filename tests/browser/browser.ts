import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from "playwright-core";
import { expect } from "vitest";
import type { DevPerson } from "../../local/host/dev-oidc.js";
import type { RunningHost } from "../../local/host/host.js";
import { startTestHost } from "../helpers/host.js";

/**
 * What the browser tests share: Debian's Chromium (skipped locally when missing, a failure with
 * CI set), the portal build, a local host serving it, and sign-in through the development
 * provider's own page.
 */

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const hasChromium = existsSync(CHROMIUM);
const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** Where screenshots go when asked for (`npm run screenshots` sets SCREENSHOTS=1); unset: none are written. */
const SCREENSHOT_DIR = process.env.SCREENSHOTS ? join(root, "docs", "screenshots") : undefined;

/** Why the browser tests do not run here, or undefined when they do. Throws with CI set: CI installs Chromium, so it may never skip. */
export function skipReason(): string | undefined {
  if (hasChromium) return undefined;
  const why = `browser tests: no Chromium at ${CHROMIUM}; install it with \`apt-get install -y chromium\` (or set CHROMIUM_PATH)`;
  if (process.env.CI) throw new Error(`${why}. CI must run them, so this fails instead of skipping.`);
  console.warn(`${why}: skipped.`);
  return why;
}

function newest(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(full) : statSync(full).mtimeMs);
  }
  return latest;
}

/**
 * The portal to serve: dist/portal when it is newer than every file of portal/, else a fresh
 * Vite build into a temporary folder (dist/ is left alone; `npm run build` owns it).
 */
async function portalBuild(): Promise<{ dir: string; cleanup(): void }> {
  const dist = join(root, "dist", "portal");
  const index = join(dist, "index.html");
  if (existsSync(index) && statSync(index).mtimeMs >= newest(join(root, "portal")))
    return { dir: dist, cleanup: () => {} };
  const dir = mkdtempSync(join(tmpdir(), "portal-build-"));
  const { build } = await import("vite");
  await build({
    configFile: join(root, "portal", "vite.config.ts"),
    logLevel: "warn",
    build: { outDir: dir, emptyOutDir: true },
  });
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface Rig {
  host: RunningHost;
  browser: Browser;
  portalDir: string;
  close(): Promise<void>;
}

export async function startRig(): Promise<Rig> {
  const portal = await portalBuild();
  const { host } = await startTestHost({ env: { PORTAL_DIR: portal.dir } });
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox"] });
  return {
    host,
    browser,
    portalDir: portal.dir,
    close: async () => {
      await browser.close();
      await host.close();
      portal.cleanup();
    },
  };
}

let ip = 0;
/** A fresh browser profile (cookies of its own) at 1280×800, from its own client IP (the sign-in limit is per IP). */
export async function newContext(rig: Rig): Promise<{ context: BrowserContext; page: Page }> {
  ip++;
  const context = await rig.browser.newContext({
    viewport: { width: 1280, height: 800 },
    baseURL: rig.host.url,
    extraHTTPHeaders: { "x-forwarded-for": `10.9.${Math.floor(ip / 250)}.${ip % 250}` },
  });
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  page.on("pageerror", (error) => console.error("page error:", error.message));
  return { context, page };
}

/**
 * On the development provider's sign-in page: picks `person` when it is one of the listed people,
 * else types it into the "Or type one" form. Then waits for the provider to hand back to the host.
 */
export async function devSignIn(page: Page, rig: Rig, person: DevPerson, how: "pick" | "type" = "pick"): Promise<void> {
  await expect.poll(() => new URL(page.url()).origin).toBe(rig.host.devOidc!.issuer);
  await page.getByRole("heading", { name: "Development sign-in" }).waitFor();
  if (how === "pick") {
    await page.getByRole("button", { name: `${person.name} <${person.preferredUsername}>` }).click();
  } else {
    await page.getByLabel("Tenant ID (tid)").fill(person.tid);
    await page.getByLabel("Object ID (oid)").fill(person.oid);
    await page.getByLabel("User name (preferred_username)").fill(person.preferredUsername);
    await page.getByLabel("Name", { exact: true }).fill(person.name);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
  }
  await page.waitForURL((url) => url.origin === rig.host.url);
}

/** Signs in from the portal's own "Sign in with Microsoft" link. */
export async function portalSignIn(
  page: Page,
  rig: Rig,
  person: DevPerson,
  how: "pick" | "type" = "pick",
): Promise<void> {
  await page.goto("/portal/");
  await page.getByRole("link", { name: "Sign in with Microsoft" }).click();
  await devSignIn(page, rig, person, how);
}

export async function shoot(page: Page, name: string, options: { fullPage?: boolean } = {}): Promise<void> {
  if (!SCREENSHOT_DIR) return;
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  // Let transitions (dialogs, toasts) settle so the picture shows the final state.
  await page.evaluate(() => Promise.all(document.getAnimations().map((a) => a.finished.catch(() => undefined))));
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: options.fullPage });
}

/** Polls `check` until it returns true or `ms` passes; the time it took, or throws. */
export async function within(ms: number, check: () => Promise<boolean>, what: string): Promise<number> {
  const start = Date.now();
  for (;;) {
    if (await check()) return Date.now() - start;
    if (Date.now() - start > ms) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A call to the admin API from a page, with the session's cookie and CSRF token, as the portal makes it. */
export async function api(
  page: Page,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: any }> {
  return page.evaluate(
    async ([method, path, body]) => {
      const me = await fetch("/api/me");
      const csrf = me.ok ? ((await me.json()) as { csrfToken: string }).csrfToken : "";
      const res = await fetch(path as string, {
        method: method as string,
        headers: { "content-type": "application/json", "x-csrf-token": csrf },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, json: text ? JSON.parse(text) : undefined };
    },
    [method, path, body] as const,
  );
}

/** Presses Tab until `target` has focus (at most 80 times); fails saying where the focus was last. */
export async function tabTo(page: Page, target: Locator, what: string): Promise<void> {
  for (let i = 0; i < 80; i++) {
    await page.keyboard.press("Tab");
    if (await target.evaluate((el) => el === document.activeElement).catch(() => false)) return;
  }
  const last = await page.evaluate(() => document.activeElement?.outerHTML.slice(0, 200));
  throw new Error(`Tab never reached ${what} (last focus: ${last})`);
}
