import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningHost } from "../../local/host/host.js";
import { startTestHost } from "../helpers/host.js";

/** The portal's static files at /portal, with the single-page app's fallback to index.html. */

let host: RunningHost;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "portal-"));
  mkdirSync(join(dir, "assets"));
  writeFileSync(
    join(dir, "index.html"),
    "<!DOCTYPE html><title>Portal</title><script type=module src=/portal/assets/app-abcdef12.js></script>",
  );
  writeFileSync(join(dir, "assets", "app-abcdef12.js"), "console.log('portal')");
  writeFileSync(join(dir, "assets", "logo.png"), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff]));
  ({ host } = await startTestHost({ env: { PORTAL_DIR: dir } }));
});
afterAll(async () => {
  await host?.close();
  rmSync(dir, { recursive: true, force: true });
});

const get = (path: string) => fetch(`${host.url}${path}`, { redirect: "manual" });

describe("portal files", () => {
  it.each(["/portal", "/portal/", "/portal/users/123", "/portal/index.html"])(
    "serves index.html at %s",
    async (path) => {
      const res = await get(path);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
      expect(res.headers.get("cache-control")).toBe("no-cache");
      expect(res.headers.get("content-security-policy")).toContain("script-src 'self'");
      expect(await res.text()).toContain("<title>Portal</title>");
    },
  );

  it("serves hashed assets with a long cache life, and binary files intact", async () => {
    const js = await get("/portal/assets/app-abcdef12.js");
    expect(js.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(js.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    const png = await get("/portal/assets/logo.png");
    expect(Buffer.from(await png.arrayBuffer())).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff]));
  });

  it.each(["/portal/assets/missing.js", "/portal/..%2F..%2Fpackage.json", "/portal/%2e%2e/%2e%2e/package.json"])(
    "answers 404 for %s",
    async (path) => {
      expect((await get(path)).status).toBe(404);
    },
  );
});

describe("site root", () => {
  it("redirects / to /portal/, and leaves other single-segment paths alone", async () => {
    const root = await get("/");
    expect(root.status).toBe(302);
    expect(root.headers.get("location")).toBe("/portal/");
    expect((await get("/favicon.ico")).status).toBe(404);
  });
});
