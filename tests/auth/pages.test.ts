import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { AUTH_RESPONSE_HEADERS, FAVICON_SVG, PAGE_CSS, renderRefusal } from "../../shared/auth/pages.js";

describe("renderRefusal", () => {
  const page = renderRefusal({
    code: "user_not_provisioned",
    title: "Not <yet>",
    why: `Signed in as "ann"&<script>alert(1)</script>`,
    whatToDo: "Ask your admin.",
  });

  it("answers 403 HTML with the headers of every auth response (the HTTP wrapper adds the security headers)", () => {
    expect(page.status).toBe(403);
    expect(page.headers).toEqual({
      "Referrer-Policy": "no-referrer",
      "Cache-Control": "no-store",
      "Content-Type": "text/html; charset=utf-8",
    });
    expect(AUTH_RESPONSE_HEADERS["Referrer-Policy"]).toBe("no-referrer");
  });

  it("escapes every value and carries no script", () => {
    expect(page.body).toContain("<title>Not &lt;yet&gt;</title>");
    expect(page.body).toContain("Signed in as &quot;ann&quot;&amp;&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(page.body).not.toMatch(/<script|\son\w+=/i);
  });

  it("has a title, why, what to do, the code and a Try again link", () => {
    expect(page.body).toMatch(/<h1[^>]*>Not &lt;yet&gt;<\/h1>/);
    expect(page.body).toContain("What to do</h2>\n<p>Ask your admin.</p>");
    expect(page.body).toContain('<a class="button" href="/auth/login">Try again</a>');
    expect(page.body).toContain("Reason code: user_not_provisioned");
  });

  it("is in the portal's look: one stylesheet with a dark variant and a phone layout, the viewport set, the portal's favicon, no style attribute", () => {
    expect(page.body).toContain(`<style>${PAGE_CSS}</style>`);
    expect(PAGE_CSS).toMatch(/@media \(prefers-color-scheme: dark\)/);
    expect(PAGE_CSS).toMatch(/@media \(max-width: 640px\)/);
    expect(page.body).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(page.body).toContain('<link rel="icon" type="image/svg+xml" href="/portal/favicon.svg">');
    expect(page.body).not.toContain("style=");
  });

  it("carries the same favicon as the portal build", () => {
    expect(readFileSync(new URL("../../portal/public/favicon.svg", import.meta.url), "utf8")).toBe(FAVICON_SVG);
  });

  it.each([
    ["/auth/login?returnTo=/portal/users", "/auth/login?returnTo=/portal/users"],
    ["//evil.example", "/auth/login"],
    ["/\\evil.example", "/auth/login"],
    ["https://evil.example", "/auth/login"],
  ])("links Try again to %s as %s", (href, expected) => {
    expect(renderRefusal({ code: "x", title: "t", why: "w", whatToDo: "d", tryAgainHref: href }).body).toContain(
      `<a class="button" href="${expected.replace(/&/g, "&amp;")}"`,
    );
  });
});
